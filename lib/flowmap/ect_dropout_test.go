package flowmap

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

// maskNet is a backbone that is only a dropout mask: F(x, c) = dropout(1) with rate 1/2, each entry 0 or 2.
type maskNet struct{}

func (maskNet) Apply(scope *model.Scope, x *Node, cs ...*Node) *Node {
	return layers.DropoutStatic(scope, OnesLike(x), 0.5)
}

// ECT's online output f(x_t, t) and its stop-gradient target f(x_r, r) must see the same dropout mask, as in the
// ECT code. With y = ε = 0 (so x_t = x_r = 0) and F a bare mask m, f(x_t, t) − f(x_r, r) = (c_out(t) − c_out(r))·m:
// with one mask for both every example's ℓ2 distance is |c_out(t) − c_out(r)|·2√k for the k kept entries, at most
// |Δc_out|·2√dim; with independent masks an entry kept on one side only gives ≥ 2·c_out(r), here 20× larger.
// Checked on 256 examples of dim 4 (P(no such entry | independent masks) = (1/2)^1024): the mean of d/(t − r)
// must not exceed the same-mask bound (+1e-5 for float32 rounding).
func TestECTSharesDropoutMask(t *testing.T) {
	b := backend.MustNew(nil)
	pre := nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}
	l := ECT{Pre: pre, Net: maskNet{}, Distance: distance.L2}
	st := model.NewStore()
	if err := st.SetRNGStateFromSeed(7); err != nil {
		t.Fatal(err)
	}
	const n, dim, tt, rr = 256, 4, 1.0, 0.9
	ts, rs := make([]float64, n), make([]float64, n)
	for i := range ts {
		ts[i], rs[i] = tt, rr
	}
	zero := make([]float64, n*dim)
	out, err := model.CallOnce(b, st, func(root *model.Scope, in []*Node) *Node {
		g := in[0].Graph()
		st.SetTraining(g, true)
		_ = root.RandomUniform(g, in[1].Shape()) // the random state has a value, as in a training step
		return l.LossAt(root.At("net"), nil, in[0], in[1], in[2], in[3])
	}, []*tensors.Tensor{host.Tensor(zero, n, dim), host.Tensor(ts, n), host.Tensor(rs, n), host.Tensor(zero, n, dim)})
	if err != nil {
		t.Fatal(err)
	}
	cOut := func(s float64) float64 { return (s - 0.002) * 0.5 / math.Sqrt(s*s+0.25) }
	bound := math.Abs(cOut(tt)-cOut(rr)) * 2 * math.Sqrt(dim) / (tt - rr)
	got := host.Float64s(out)[0]
	if got > bound+1e-5 || got <= 0 {
		t.Errorf("mean d/(t−r) = %.4g, want in (0, %.4g]: the two calls did not share one dropout mask", got, bound)
	}
	t.Logf("mean d/(t−r) %.4g, same-mask bound %.4g, 2·c_out(r)/(t−r) = %.3g", got, bound, 2*cOut(rr)/(tt-rr))
}
