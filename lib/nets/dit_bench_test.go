package nets

import (
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ditBenchEnv reads an integer override for the benchmark from the environment (DIT_BATCH, DIT_HIDDEN, ...).
func ditBenchEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkDiTTrainStep times one flow-matching training step (Adam 1e-3) of DefaultDiT(1, 28, 28, 1) on random
// images, for profiling (-cpuprofile). DIT_BATCH, DIT_PATCH, DIT_HIDDEN, DIT_DEPTH, DIT_HEADS override the config.
func BenchmarkDiTTrainStep(b *testing.B) {
	d := DefaultDiT(1, 28, 28, 1)
	d.Patch, d.Hidden = ditBenchEnv("DIT_PATCH", d.Patch), ditBenchEnv("DIT_HIDDEN", d.Hidden)
	d.Depth, d.Heads = ditBenchEnv("DIT_DEPTH", d.Depth), ditBenchEnv("DIT_HEADS", d.Heads)
	batch := ditBenchEnv("DIT_BATCH", 64)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		b.Fatal(err)
	}
	opt := optimizer.Adam().LearningRate(1e-3).Done()
	exec := model.MustNewExec(backend.MustNew(nil), store, func(root *model.Scope, x1 *Node) *Node {
		g := x1.Graph()
		store.SetTraining(g, true)
		x0 := root.RandomNormal(g, x1.Shape())
		t := Reshape(Slice(root.RandomUniform(g, x1.Shape()), AxisRange(), AxisElem(0)), batch)
		tc := ExpandAxes(t, -1)
		xt := Add(Mul(OneMinus(tc), x0), Mul(tc, x1))
		loss := ReduceAllMean(Square(Sub(d.Apply(root.At("net"), xt, t), Sub(x1, x0))))
		opt.UpdateGraph(root, g, loss)
		return loss
	})
	timeImageSteps(b, exec, batch, d.Params())
}

// timeImageSteps times exec, a training step on x [batch, 28·28] (fresh uniform [−1, 1] values each call): two
// warm-up calls, then b.N timed ones, reporting CPU ms per step, images/s, cores used and the parameter count.
func timeImageSteps(b *testing.B, exec *model.Exec, batch, params int) {
	const dim = 28 * 28
	rng := rand.New(rand.NewPCG(1, 2))
	data := func() *tensors.Tensor {
		x := make([]float32, batch*dim)
		for i := range x {
			x[i] = float32(2*rng.Float64() - 1)
		}
		return tensors.FromFlatDataAndDimensions(x, batch, dim)
	}
	for range 2 {
		exec.MustCall(data())
	}
	cpu0 := ditCPUSeconds()
	b.ResetTimer()
	for range b.N {
		exec.MustCall(data())
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(1e3*(ditCPUSeconds()-cpu0)/float64(b.N), "cpu-ms/step")
	b.ReportMetric(float64(b.N*batch)/sec, "images/s")
	b.ReportMetric((ditCPUSeconds()-cpu0)/sec, "cores")
	b.ReportMetric(float64(params), "params")
}

// ditCPUSeconds is the process's user + system CPU time so far, in seconds (a load-robust cost measure on a shared
// machine).
func ditCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkDiTWeightGradDot is the smallest reproduction of the largest overhead in the DiT step that belongs
// upstream: the weight gradient of a linear layer, dW = xᵀ·dy, is DotGeneral(dy [rows, out], {0}, x [rows, in], {0})
// (GoMLX's VJP of MatMul), whose contracting axes lead on both sides; the pure-Go backend then transposes both
// operands to its "transposed" layout, although x is already a valid right operand [K, M] of its non-transposed
// layout. "leading" is that product; "pretransposed" gives the backend dyᵀ [out, rows] directly (no copies), the
// cost if only one operand were transposed once upstream. Sizes: fc1 of DefaultDiT at batch 64 (3136 × 384, 3136 × 96).
func BenchmarkDiTWeightGradDot(b *testing.B) {
	const rows, out, in = 3136, 384, 96
	be := backend.MustNew(nil)
	rng := rand.New(rand.NewPCG(1, 2))
	mk := func(r, c int) *tensors.Tensor {
		x := make([]float32, r*c)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return tensors.FromFlatDataAndDimensions(x, r, c)
	}
	dy, dyT, x := mk(rows, out), mk(out, rows), mk(rows, in)
	for _, c := range []struct {
		name string
		fn   func(a, x *Node) *Node
		a    *tensors.Tensor
	}{
		{"leading", func(dy, x *Node) *Node { return DotGeneral(dy, []int{0}, nil, x, []int{0}, nil) }, dy},
		{"pretransposed", func(dyT, x *Node) *Node { return DotGeneral(dyT, []int{1}, nil, x, []int{0}, nil) }, dyT},
	} {
		b.Run(c.name, func(b *testing.B) {
			exec := MustNewExec(be, c.fn)
			exec.MustCall(c.a, x)
			b.ResetTimer()
			for range b.N {
				exec.MustCall(c.a, x)
			}
		})
	}
}
