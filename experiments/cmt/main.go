// Command cmt runs the paper's pipeline headless: pre-training → CMT mid-training → ECT post-training from the
// CMT, diffusion and scratch initialisations, with evaluation, figures and summary.json.
//
//	go run ./experiments/cmt -preset toy2d -out runs/toy2d -set post.q=1024,post.steps=4000 -seed 1
//
// A rerun with the same -out resumes every stage from its last checkpoint.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/train"
)

func main() {
	preset := flag.String("preset", "toy2d", "preset: "+strings.Join(pipeline.PresetNames(), ", "))
	out := flag.String("out", "", "run directory (default runs/<preset>)")
	figures := flag.String("figures", "figures", "directory for the PNG figures")
	set := flag.String("set", "", "overrides key=value,key2=value2 (keys as in preset.json)")
	seed := flag.Int64("seed", 1, "random seed (same seed → same numbers on CPU)")
	show := flag.Bool("show", false, "print the resolved preset and exit")
	devices := flag.Int("devices", 0, "train data-parallel on this many devices (GPUs, with GOMLX_BACKEND=xla:cuda); same as -set train.devices=N")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments %q: use flags (-preset, -out, -set, -seed)", flag.Args()))
	}
	p, err := pipeline.Lookup(*preset)
	if err != nil {
		fail(err)
	}
	if err := p.Set(*set); err != nil {
		fail(err)
	}
	if *devices > 0 {
		if err := p.Set(fmt.Sprintf("train.devices=%d", *devices)); err != nil {
			fail(err)
		}
	}
	if *show {
		fmt.Println(p.JSON())
		return
	}
	if *out == "" {
		*out = filepath.Join("runs", p.Name)
	}
	b, err := backend.New(os.Stderr)
	if err != nil {
		fail(err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
		stopProfile = pprof.StopCPUProfile // fail exits without running defers: an interrupted run keeps its profile
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := pipeline.New(p, pipeline.Options{Out: *out, Figures: *figures, Seed: *seed, Backend: b})
	if err != nil {
		fail(err)
	}
	if err := r.All(ctx); err != nil {
		if errors.Is(err, train.ErrOtherSettings) {
			fail(err) // rerunning would only refuse again
		}
		fail(fmt.Errorf("%w\n(checkpoints in %s are kept: rerun the same command to resume)", err, filepath.Join(*out, "ckpt")))
	}
	fmt.Printf("wrote %s and figures in %s\n", filepath.Join(*out, "summary.json"), *figures)
}

// stopProfile flushes the CPU profile, when one is being written, before fail exits.
var stopProfile = func() {}

func fail(err error) {
	stopProfile()
	fmt.Fprintln(os.Stderr, "cmt:", err)
	os.Exit(1)
}
