package nets_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// The DiT is twice differentiable: the project's exact JVP (flowmap.JVP in JVPExact mode, a double VJP — the
// MeanFlow target's du/dt) of a two-time DiT with perturbed weights, along a direction in (x, t₁, t₂), matches the
// central finite difference (F(p + εv) − F(p − εv))/(2ε) of the float32 outputs, per output value, with v_x ~ N(0, 1)
// per pixel and v_t ~ N(0, 0.1²). The largest error over all outputs, relative to max|JVP|, was measured at 9e-5
// for ε = 1e-3 (float32 rounding ~1e-7·|F|/ε dominates), 5e-5 for ε = 3e-3 (used here) and 5e-4 for ε = 1e-2
// (truncation ε²/6·|∂³F| dominates); tolerance 1e-3, 20× the measured error. A missing second-order term (e.g. a
// fused op whose VJP is treated as constant) gives errors of order 1. The JVP's primal output equals a plain
// forward pass to 1e-6 relative (the same ops in another graph; measured exactly equal).
func TestDiTExactJVPMatchesFiniteDifference(t *testing.T) {
	d := nets.DiT{Channels: 3, Height: 8, Width: 12, Patch: 2, Hidden: 16, Depth: 2, Heads: 2, MLPRatio: 2, Times: 2, NumFreqs: 4}
	const batch, eps = 3, 3e-3
	dim := d.Channels * d.Height * d.Width
	rng := rand.New(rand.NewPCG(21, 22))
	normal := func(n int, scale float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = scale * rng.NormFloat64()
		}
		return v
	}
	uniform := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = 0.1 + 0.8*rng.Float64()
		}
		return v
	}
	x, t1, t2 := normal(batch*dim, 1), uniform(batch), uniform(batch)
	vx, v1, v2 := normal(batch*dim, 1), normal(batch, 0.1), normal(batch, 0.1)

	be := backend.MustNew(nil)
	store := model.NewStore()
	fwd := model.MustNewExec(be, store, func(root *model.Scope, in []*Node) *Node {
		return d.Apply(root.At("net"), in[0], in[1], in[2])
	})
	apply := func(s float64) []float64 {
		out, err := fwd.Call(host.Tensor(axpy(s, vx, x), batch, dim), host.Tensor(axpy(s, v1, t1), batch),
			host.Tensor(axpy(s, v2, t2), batch))
		if err != nil {
			t.Fatal(err)
		}
		return host.Float64s(out[0])
	}
	apply(0) // creates the weights
	nets.DiTPerturbWeights(t, store, 23)

	outs, err := model.MustNewExec(be, store, func(root *model.Scope, in []*Node) []*Node {
		f := func(p []*Node) *Node { return d.Apply(root.At("net"), p[0], p[1], p[2]) }
		out, jvp := flowmap.JVP(f, in[:3], in[3:], flowmap.JVPExact, 0)
		return []*Node{out, jvp}
	}).Call(host.Tensor(x, batch, dim), host.Tensor(t1, batch), host.Tensor(t2, batch),
		host.Tensor(vx, batch, dim), host.Tensor(v1, batch), host.Tensor(v2, batch))
	if err != nil {
		t.Fatal(err)
	}
	primal, jvp := host.Float64s(outs[0]), host.Float64s(outs[1])
	base, plus, minus := apply(0), apply(eps), apply(-eps)
	var errPrimal, errJVP, scalePrimal, scaleJVP float64
	for i := range jvp {
		fd := (plus[i] - minus[i]) / (2 * eps)
		errJVP, scaleJVP = max(errJVP, math.Abs(jvp[i]-fd)), max(scaleJVP, math.Abs(fd))
		errPrimal, scalePrimal = max(errPrimal, math.Abs(primal[i]-base[i])), max(scalePrimal, math.Abs(base[i]))
	}
	t.Logf("JVP: max error %.3g of max|JVP| %.3g; primal: max error %.3g of max|F| %.3g", errJVP, scaleJVP, errPrimal, scalePrimal)
	if scaleJVP == 0 || errJVP > 1e-3*scaleJVP {
		t.Errorf("exact JVP differs from the finite difference by %.3g (max |JVP| %.3g), tolerance 1e-3 relative", errJVP, scaleJVP)
	}
	if errPrimal > 1e-6*scalePrimal {
		t.Errorf("JVP's primal differs from the forward pass by %.3g (max |F| %.3g)", errPrimal, scalePrimal)
	}
}

// axpy returns s·v + x.
func axpy(s float64, v, x []float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = x[i] + s*v[i]
	}
	return out
}
