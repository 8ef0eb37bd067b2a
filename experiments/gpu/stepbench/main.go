// Command stepbench times the project's EDM pre-training step (lib/diffusion.EDMLoss through lib/train.Stage:
// loss, gradients, Adam, EMA) for an image backbone on synthetic images, on whatever backend GOMLX_BACKEND names.
// experiments/gpu/cifar10_step.sh runs it on a GPU next to the same step in PyTorch.
//
//	go run ./experiments/gpu/stepbench -net unet -batch 128 -steps 30     # CIFAR-10 DDPM++ (the paper's network)
//	go run ./experiments/gpu/stepbench -net dit -data mnist -batch 128    # the CPU backbone
//
// It prints one JSON line: compile seconds (first step), steps/s and images/s over the timed steps.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/diffusion"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/train"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func main() {
	net := flag.String("net", "unet", "unet (CIFAR-10 DDPM++, 55M-class) | dit (DefaultDiT)")
	dataName := flag.String("data", "cifar10", "image shape: cifar10 (3×32×32) | mnist (1×28×28)")
	batch := flag.Int("batch", 128, "images per step")
	steps := flag.Int("steps", 20, "timed steps (after 2 warm-up steps)")
	devices := flag.Int("devices", 1, "data-parallel devices (train.Config.Devices)")
	flag.Parse()
	c, h, w := 3, 32, 32
	if *dataName == "mnist" {
		c, h, w = 1, 28, 28
	}
	var bb nets.Backbone
	switch *net {
	case "unet":
		u := nets.CIFAR10UNet(1)
		u.Channels, u.Height, u.Width = c, h, w
		bb = u
	case "dit":
		bb = nets.DefaultDiT(c, h, w, 1)
	default:
		fail(fmt.Errorf("-net %q: use unet or dit", *net))
	}
	b, err := backend.New(os.Stderr)
	if err != nil {
		fail(err)
	}
	dim := c * h * w
	pre := nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}
	fwd := func(s *model.Scope, x, t *Node) *Node { return pre.Denoiser(s, bb, x, t) }
	total := *steps + 2
	st, err := train.NewStage(b, "bench", "", dim, fwd, train.Config{Steps: total, LR: 2e-4, EMA: 0.999, LogEvery: total,
		Devices: *devices}, 1)
	if err != nil {
		fail(err)
	}
	if _, err := st.Prepare(nil); err != nil {
		fail(err)
	}
	loss := diffusion.EDMLoss{Pre: pre, Net: bb, PMean: -1.2, PStd: 1.2}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, *batch*dim) // synthetic images in [-1, 1]; speed does not depend on content
	for i := range x {
		x[i] = 2*rng.Float64() - 1
	}
	var marks []time.Time
	obj := func(root *model.Scope, in []*Node) *Node { return loss.Loss(train.NetScope(root), in[0]) }
	t0 := time.Now()
	err = st.Run(context.Background(), obj, func(step int) []*tensors.Tensor {
		marks = append(marks, time.Now())
		return []*tensors.Tensor{host.Tensor(x, *batch, dim)}
	})
	end := time.Now()
	if err != nil {
		fail(err)
	}
	// marks[k] is when step k's batch was requested, i.e. after step k−1 finished; steps 0 and 1 are warm-up
	// (step 0 includes compilation).
	timed := end.Sub(marks[2]).Seconds()
	rate := float64(*steps) / timed
	out := map[string]any{"workload": "edm_step_" + *net, "backend": b.Name(), "batch": *batch, "devices": *devices,
		"image": fmt.Sprintf("%dx%dx%d", c, h, w), "first_step_s": marks[1].Sub(t0).Seconds(), "steps_per_s": rate,
		"images_per_s": rate * float64(*batch), "timed_steps": *steps}
	json.NewEncoder(os.Stdout).Encode(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "stepbench:", err)
	os.Exit(1)
}
