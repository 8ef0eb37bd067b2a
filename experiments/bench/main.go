// Command bench times the project's own training and sampling steps on the workloads of the PyTorch CPU peer
// (shared/peer/torch), with the peer's method: warm-up, then -windows timed windows of ≥ -window seconds each,
// reporting per-window rates and their median. `make bench` runs it interleaved with the peer scripts.
//
//	go run ./experiments/bench -workload W1 -json
//
// Workloads (same sizes as the peer):
//
//	W1  flow-matching training step, batch 1024, 8 Gaussians (radius 4, std 0.5) drawn on the host each step;
//	    MLP concat(x, sin/cos emb₆₄(1000 t)) → 3×256 SiLU → 2 (149,250 parameters); Adam 1e-3     [steps/s]
//	W3  flow-matching training step on 28×28×1 synthetic "blob" images (3 random anisotropic Gaussian strokes in
//	    [−1, 1], a pool of 4096 drawn once, batch 64 sampled from it on the host each step) of nets.DefaultDiT (a
//	    patch transformer, 703,696 parameters); the peer's side of W3 is the same DiT in PyTorch
//	    (experiments/bench/torch_dit.py, parameter count checked), and make bench also prints our GFLOP/s next to
//	    the peer's conv U-Net's (W3unet); loss mean((v − (x₁ − x₀))²), Adam 1e-3. -dit.patch, -dit.hidden,
//	    -dit.depth, -dit.heads override the DiT's config                                      [steps/s, and images/s]
//	W4  50-step Euler sampling of that MLP, batch 10,000, inference only                          [samples/s]
//
// W2 (MeanFlow step) is a Go benchmark in lib/flowmap (BenchmarkMeanFlowStep*).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

var (
	workload = flag.String("workload", "W1", "W1 | W3 | W4 | W4graph (all 50 Euler steps in one compiled graph)")
	batch    = flag.Int("batch", 0, "batch (0: the workload's default, 1024 for W1, 64 for W3, 10000 for W4)")
	warmup   = flag.Duration("warmup", 2*time.Second, "warm-up time (at least 3 steps)")
	windows  = flag.Int("windows", 5, "timed windows")
	window   = flag.Duration("window", 2*time.Second, "minimum length of a window (at least 2 steps)")
	asJSON   = flag.Bool("json", false, "print one JSON line")
	fm       = flag.String("fm", envOr("PEER_FM", "1"), "W1, W4: the MLP's dense layers feature-major (nets.ConcatMLP.FeatureMajor): 1 or 0 (with nets.MatMul2's gradient, measured quiet, interleaved: W1 1.25×, W2 1.11×, W4 1.05× with them); $PEER_FM sets the default")
	trig     = flag.String("trig", envOr("PEER_TRIG", "sincos"), "W1, W4: the time embedding's sin and cos: sincos (nets.SinCos, SIMD) or backend (the backend's scalar Sin, Cos); $PEER_TRIG sets the default")
	cpuProf  = flag.String("cpuprofile", "", "write a CPU profile of the timed windows to this file")
	params   = flag.Bool("params-only", false, "W3: print the DiT's parameter count and exit (run.sh checks the PyTorch port against it)")

	ditPatch  = flag.Int("dit.patch", 0, "W3: DiT patch size (0: nets.DefaultDiT's)")
	ditHidden = flag.Int("dit.hidden", 0, "W3: DiT token width (0: default)")
	ditDepth  = flag.Int("dit.depth", 0, "W3: DiT blocks (0: default)")
	ditHeads  = flag.Int("dit.heads", 0, "W3: DiT attention heads (0: default)")
)

func main() {
	flag.Parse()
	if *fm != "1" && *fm != "0" {
		fail(fmt.Errorf("-fm %q: use 1 or 0", *fm))
	}
	if *trig != "sincos" && *trig != "backend" {
		fail(fmt.Errorf("-trig %q: use sincos or backend", *trig))
	}
	b, err := backend.New(os.Stderr)
	if err != nil {
		fail(err)
	}
	var step func()
	unit, perStep := "steps/s", 1.0
	extra := map[string]any{}
	switch *workload {
	case "W1":
		step = w1(b, or(*batch, 1024))
	case "W3":
		n := or(*batch, 64)
		d := w3Config()
		if *params {
			fmt.Println(d.Params())
			return
		}
		var losses *[]float32
		step, losses = w3(b, d, n)
		defer func() { // after the timed windows: the loss went down (a working training step)
			if l := *losses; len(l) > 0 {
				fmt.Fprintf(os.Stderr, "W3: loss %.4f at the first step, %.4f at the last (%d steps)\n", l[0], l[len(l)-1], len(l))
			}
		}()
		extra = map[string]any{"batch": n, "params": d.Params(), "fwd_macs_per_step": d.MACs() * n,
			"flops_per_step_est": 6 * d.MACs() * n, "config": d}
	case "W4", "W4graph":
		n := or(*batch, 10000)
		step = w4(b, n, 50, *workload == "W4graph")
		unit, perStep = "samples/s", float64(n)
	default:
		fail(fmt.Errorf("unknown -workload %q: use W1, W3, W4 or W4graph", *workload))
	}
	rates := timeWindows(step)
	for i := range rates {
		rates[i] *= perStep
	}
	med := median(rates)
	out := map[string]any{"workload": *workload, "unit": unit, "median": med, "windows": rates, "backend": b.Name(),
		"simd": backend.SIMD}
	for k, v := range extra {
		out[k] = v
	}
	if n, ok := extra["batch"].(int); ok {
		out["images_per_s"] = med * float64(n)
	}
	if *asJSON {
		j, _ := json.Marshal(out)
		fmt.Println(string(j))
		return
	}
	fmt.Printf("%s: median %.4g %s over %d windows %v\n", *workload, med, unit, len(rates), rates)
	if ips, ok := out["images_per_s"]; ok {
		fmt.Printf("%s: %.4g images/s; %v\n", *workload, ips, extra)
	}
}

func or(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// timeWindows runs step through the warm-up and the timed windows and returns each window's steps/s.
func timeWindows(step func()) []float64 {
	t0 := time.Now()
	for n := 0; n < 3 || time.Since(t0) < *warmup; n++ {
		step()
	}
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	var rates []float64
	for w := 0; w < *windows; w++ {
		t0, n := time.Now(), 0
		for {
			step()
			n++
			if d := time.Since(t0); n >= 2 && d >= *window {
				rates = append(rates, float64(n)/d.Seconds())
				break
			}
		}
	}
	return rates
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// eightGaussians draws the peer's 8-Gaussian data: centres on a circle of radius 4, std 0.5; [n·2].
func eightGaussians(rng *rand.Rand, n int) []float64 {
	x := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		a := float64(rng.IntN(8)) * 2 * math.Pi / 8
		x[2*i] = 4*math.Cos(a) + 0.5*rng.NormFloat64()
		x[2*i+1] = 4*math.Sin(a) + 0.5*rng.NormFloat64()
	}
	return x
}

// w1 is one flow-matching training step: x_t = (1−t)x₀ + t x₁, loss = mean ‖v(x_t, t) − (x₁ − x₀)‖², with
// x₀ and t drawn in the graph and the data x₁ on the host.
func w1(b compute.Backend, n int) func() {
	exec := fmStep(b, peerMLP(1), n, false)
	rng := rand.New(rand.NewPCG(1, 2))
	return func() {
		out := exec.MustCall(host.Tensor(eightGaussians(rng, n), n, 2))[0]
		_ = tensors.ToScalar[float32](out)
	}
}

// w4 is 50-step Euler sampling x ← x + dt·v(x, t) from x(0) ~ N(0, I), one compiled call per step (host loop), or
// all steps in one graph (inGraph).
func w4(b compute.Backend, n, nfe int, inGraph bool) func() {
	net := peerMLP(1)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		fail(err)
	}
	dt := 1 / float64(nfe)
	vel := func(root *model.Scope, x *Node, t float64) *Node {
		return net.Apply(root.At("net"), x, Add(Zeros(x.Graph(), shapes.Make(dtypes.Float32, n)), ConstAs(x, t)))
	}
	if inGraph {
		exec := model.MustNewExec(b, store, func(root *model.Scope, x *Node) *Node {
			for i := 0; i < nfe; i++ {
				x = Add(x, MulScalar(vel(root, x, float64(i)*dt), dt))
			}
			return x
		})
		rng := rand.New(rand.NewPCG(1, 3))
		return func() {
			z := make([]float64, 2*n)
			for i := range z {
				z[i] = rng.NormFloat64()
			}
			exec.MustCall(host.Tensor(z, n, 2))
		}
	}
	exec := model.MustNewExec(b, store, func(root *model.Scope, x, t *Node) *Node {
		return Add(x, MulScalar(net.Apply(root.At("net"), x, t), dt))
	})
	rng := rand.New(rand.NewPCG(1, 3))
	ts := make([][]float64, nfe)
	for i := range ts {
		ts[i] = make([]float64, n)
		for j := range ts[i] {
			ts[i][j] = float64(i) * dt
		}
	}
	return func() {
		z := make([]float64, 2*n)
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		x := host.Tensor(z, n, 2)
		for i := 0; i < nfe; i++ {
			x = exec.MustCall(x, host.Tensor(ts[i], n))[0]
		}
	}
}

// w3Config is nets.DefaultDiT(1, 28, 28, 1) with the -dit.* overrides.
func w3Config() nets.DiT {
	d := nets.DefaultDiT(1, 28, 28, 1)
	d.Patch, d.Hidden = or(*ditPatch, d.Patch), or(*ditHidden, d.Hidden)
	d.Depth, d.Heads = or(*ditDepth, d.Depth), or(*ditHeads, d.Heads)
	if err := d.Validate(); err != nil {
		fail(err)
	}
	return d
}

// blobImages draws n synthetic "digit-like" 28×28 images as the peer's make_images does: the pixel-wise maximum
// of 3 anisotropic Gaussian strokes exp(−½((u/a)² + (v/b)²)), centre uniform in [7, 21]², angle uniform in [0, π),
// a ∈ [2, 8), b ∈ [1, 2) pixels, (u, v) the pixel offset rotated by the angle; scaled to [−1, 1]. [n·784].
func blobImages(rng *rand.Rand, n int) []float64 {
	const side = 28
	img := make([]float64, n*side*side)
	for i := 0; i < n; i++ {
		im := img[i*side*side : (i+1)*side*side]
		for range 3 {
			cx, cy := rng.Float64()*14+7, rng.Float64()*14+7
			th := rng.Float64() * math.Pi
			a, b := rng.Float64()*6+2, rng.Float64()+1
			c, s := math.Cos(th), math.Sin(th)
			for y := 0; y < side; y++ {
				for x := 0; x < side; x++ {
					dx, dy := float64(x)-cx, float64(y)-cy
					u, v := dx*c+dy*s, -dx*s+dy*c
					im[y*side+x] = max(im[y*side+x], math.Exp(-0.5*((u/a)*(u/a)+(v/b)*(v/b))))
				}
			}
		}
		for j := range im {
			im[j] = 2*im[j] - 1
		}
	}
	return img
}

// w3 is one flow-matching training step of the DiT d on blob images: x₁ a batch of n images from a pool of 4096
// (host), x₀ ~ N(0, I) and t ~ U(0, 1) drawn in the graph, x_t = (1−t)x₀ + t x₁, loss = mean((v(x_t, t) − (x₁ − x₀))²)
// over all pixels, Adam 1e-3. It also returns the losses of all steps run.
func w3(b compute.Backend, d nets.DiT, n int) (func(), *[]float32) {
	const pool, dim = 4096, 28 * 28
	rng := rand.New(rand.NewPCG(1, 4))
	data := blobImages(rng, pool)
	exec := fmStep(b, d, n, true)
	batch := make([]float64, n*dim)
	var losses []float32
	return func() {
		for i := 0; i < n; i++ {
			k := rng.IntN(pool)
			copy(batch[i*dim:(i+1)*dim], data[k*dim:(k+1)*dim])
		}
		out := exec.MustCall(host.Tensor(batch, n, dim))[0]
		losses = append(losses, tensors.ToScalar[float32](out))
	}, &losses
}

// fmStep compiles one flow-matching training step of net (Adam 1e-3) on host data x₁ [n, dim]: x₀ ~ N(0, I) and
// t ~ U(0, 1) drawn in the graph, x_t = (1−t)x₀ + t x₁, loss = ‖v(x_t, t) − (x₁ − x₀)‖² averaged over the batch
// (W1's peer: summed over the data dimensions) or over every entry (meanAll, W3's peer).
func fmStep(b compute.Backend, net nets.Backbone, n int, meanAll bool) *model.Exec {
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		fail(err)
	}
	opt := optimizer.Adam().LearningRate(1e-3).Done()
	return model.MustNewExec(b, store, func(root *model.Scope, x1 *Node) *Node {
		g := x1.Graph()
		store.SetTraining(g, true)
		x0 := root.RandomNormal(g, x1.Shape())
		t := root.RandomUniform(g, shapes.Make(dtypes.Float32, n))
		tc := ExpandAxes(t, -1) // [n, 1]
		xt := Add(Mul(OneMinus(tc), x0), Mul(tc, x1))
		sq := Square(Sub(net.Apply(root.At("net"), xt, t), Sub(x1, x0)))
		loss := ReduceAllMean(sq)
		if !meanAll {
			loss = ReduceAllMean(ReduceSum(sq, -1))
		}
		opt.UpdateGraph(root, g, loss)
		return loss
	})
}

// peerMLP is the peer's MLP with the given number of time inputs, feature-major with -fm=1 (the default).
func peerMLP(times int) nets.ConcatMLP {
	m := nets.PeerMLP(2, times)
	m.FeatureMajor = *fm == "1"
	m.BackendTrig = *trig == "backend"
	return m
}

// envOr is $name, or def when it is unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
