package flowmap

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// jvpCase is a batch of (z, r, t, v) on flow-matching time and the float64 reference du/dt of u(z, r, t) =
// F(z, t, t − r) along (v, 0, 1), by a central finite difference with step 1e-6 on the float64 copy of the net.
type jvpCase struct {
	z, v, r, t []float64
	u, dudt    []float64 // float64 references
}

func newJVPCase(ref *mlp64, n int, seed uint64) jvpCase {
	rng := rand.New(rand.NewPCG(seed, 1))
	c := jvpCase{}
	for i := 0; i < n; i++ {
		a, b := 0.02+0.96*rng.Float64(), 0.02+0.96*rng.Float64()
		c.t, c.r = append(c.t, max(a, b)), append(c.r, min(a, b))
		for d := 0; d < 2; d++ {
			c.z, c.v = append(c.z, rng.NormFloat64()), append(c.v, 1.5*rng.NormFloat64())
		}
	}
	const h = 1e-6
	for i := 0; i < n; i++ {
		z, v := c.z[2*i:2*i+2], c.v[2*i:2*i+2]
		at := func(sign float64) []float64 {
			tt := c.t[i] + sign*h
			return ref.apply([]float64{z[0] + sign*h*v[0], z[1] + sign*h*v[1]}, tt, tt-c.r[i])
		}
		p, m := at(1), at(-1)
		c.u = append(c.u, ref.apply(z, c.t[i], c.t[i]-c.r[i])...)
		c.dudt = append(c.dudt, (p[0]-m[0])/(2*h), (p[1]-m[1])/(2*h))
	}
	return c
}

// relMaxErr is max_i |got_i − want_i| / max_i |want_i|.
func relMaxErr(got, want []float64) float64 {
	var e, s float64
	for i := range want {
		e, s = max(e, math.Abs(got[i]-want[i])), max(s, math.Abs(want[i]))
	}
	return e / s
}

func (c jvpCase) run(t *testing.T, store *model.Store, m MeanFlow) (u, dudt []float64) {
	n := len(c.t)
	outs, err := model.MustNewExec(backend.MustNew(nil), store, func(root *model.Scope, in []*Node) []*Node {
		u, d := m.UAndDuDt(root.At("net"), in[0], in[1], in[2], in[3])
		return []*Node{u, d}
	}).Call(host.Tensor(c.z, n, 2), host.Tensor(c.r, n), host.Tensor(c.t, n), host.Tensor(c.v, n, 2))
	if err != nil {
		t.Fatal(err)
	}
	return host.Float64s(outs[0]), host.Float64s(outs[1])
}

// The exact JVP (double VJP on the float32 graph) of a two-time MLP's average velocity along (v, 0, 1) in (z, r, t)
// equals a float64 central finite difference (step 1e-6, truncation ~1e-12·‖∂³u‖) on the same weights: relative
// max error ≤ 1e-5 (float32 rounding through 3 layers and the sin/cos embedding; measured 5.7e-7); the primal u
// agrees to 1e-5. The finite-difference JVP option (float32, step 1e-3 in time units) is within its stated bound
// of 5e-3 relative (truncation ε²/6·‖∂³u‖ with embedding frequencies up to 32 rad per unit time, plus rounding
// ~1e-7·‖u‖/ε; measured 4.3e-4).
func TestJVPExactMatchesFloat64FiniteDifference(t *testing.T) {
	m := nets.MLP{Dim: 2, Hidden: 32, Layers: 3, Times: 2, NumFreqs: 8}
	store := newTestMLP(t, m, 11)
	ref := readMLP64(t, store, "/net", m)
	c := newJVPCase(ref, 32, 5)
	mf := MeanFlow{Map: AverageVelocity{Net: m}, JVP: JVPExact}
	u, dudt := c.run(t, store, mf)
	if e := relMaxErr(u, c.u); e > 1e-5 {
		t.Errorf("u: relative max error %.2e against float64", e)
	}
	eExact := relMaxErr(dudt, c.dudt)
	t.Logf("exact JVP (double VJP): relative max error %.2e against the float64 finite difference", eExact)
	if eExact > 1e-5 {
		t.Errorf("exact JVP: relative max error %.2e > 1e-5", eExact)
	}
	mf.JVP, mf.FDEps = JVPFiniteDiff, 1e-3
	_, fd := c.run(t, store, mf)
	eFD := relMaxErr(fd, c.dudt)
	t.Logf("finite-difference JVP (ε = 1e-3, float32): relative max error %.2e", eFD)
	if eFD > 5e-3 {
		t.Errorf("finite-difference JVP: relative max error %.2e > 5e-3", eFD)
	}
}
