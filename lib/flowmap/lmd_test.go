package flowmap

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// LMD's loss equals the hand computation in float64 with the two-time linear backbone h(z, t, s) = z·W + t·a +
// (t − s)·d + b (so ∂_s h = −d exactly) and a linear teacher b(y, s) = y·V + s·q + k:
//
//	z = (1−t)x + t e,  Ψ = z − (t − s)h,  h_tgt = b(Ψ, s) − (t − s)d,  L = mean ‖h − h_tgt‖²/(‖·‖² + c)^p,
//
// with p = 0 and 1 in exact-JVP mode, and its gradient with respect to W equals a central finite difference of
// that formula with h_tgt and the weight held fixed. Tolerances as for MeanFlow: 1e-5 relative on the loss, 2e-3
// relative on the gradient.
func TestLMDLossMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	d := []float64{0.4, -0.3}
	teacherW := nets.LinearParams{W: []float64{-0.5, 0.1, 0.2, -0.8}, U: []float64{0.3, 0.6}, B: []float64{-0.1, 0.2}}
	x := []float64{0.7, -0.7, 1, 0, -0.3, 0.9}
	e := []float64{0.3, -1.2, 0.8, 0.4, -0.5, 1.5}
	tt := []float64{0.9, 0.4, 0.6}
	s := []float64{0.1, 0.4, 0.35}
	const c = 1e-3
	for _, p := range []float64{0, 1} {
		l := LMD{Map: AverageVelocity{Net: linear2{Dim: 2}}, P: p, C: c, JVP: JVPExact,
			Teacher: func(scope *model.Scope, y, time *Node) *Node { return nets.Linear{Dim: 2}.Apply(scope, y, time) }}
		z := func(i int) []float64 {
			return []float64{(1-tt[i])*x[2*i] + tt[i]*e[2*i], (1-tt[i])*x[2*i+1] + tt[i]*e[2*i+1]}
		}
		h := func(wp nets.LinearParams, i int) []float64 { return apply2(wp, d, z(i), tt[i], tt[i]-s[i]) }
		hTgt := func(i int) []float64 {
			h0, zi := h(w, i), z(i)
			psi := []float64{zi[0] - (tt[i]-s[i])*h0[0], zi[1] - (tt[i]-s[i])*h0[1]}
			bv := apply2(teacherW, []float64{0, 0}, psi, s[i], 0)
			return []float64{bv[0] - (tt[i]-s[i])*d[0], bv[1] - (tt[i]-s[i])*d[1]}
		}
		sq := func(wp nets.LinearParams, i int) float64 {
			a, g := h(wp, i), hTgt(i)
			return (a[0]-g[0])*(a[0]-g[0]) + (a[1]-g[1])*(a[1]-g[1])
		}
		hand := func(wp nets.LinearParams) float64 {
			var sum float64
			for i := 0; i < 3; i++ {
				sum += sq(wp, i) * math.Pow(sq(w, i)+c, -p)
			}
			return sum / 3
		}
		store := model.NewStore()
		setLinear2(store, "/net", w, d)
		nets.SetLinear(store, "/teacher", teacherW)
		outs, err := model.MustNewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
			loss := l.LossAt(root.At("net"), root.At("teacher"), in[0], in[1], in[2], in[3])
			return []*Node{loss, Gradient(loss, store.GetVariable("/net/w").NodeValue(loss.Graph()))[0]}
		}).Call(host.Tensor(x, 3, 2), host.Tensor(e, 3, 2), host.Tensor(tt, 3), host.Tensor(s, 3))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := float64(tensors.ToScalar[float32](outs[0])), hand(w); math.Abs(got-want) > 1e-5*math.Abs(want) {
			t.Errorf("p=%v: loss %v, hand computation %v", p, got, want)
		}
		grad := tensors.MustCopyFlatData[float32](outs[1])
		for k := range w.W {
			wp, wm := w.Clone(), w.Clone()
			wp.W[k] += 1e-5
			wm.W[k] -= 1e-5
			fd := (hand(wp) - hand(wm)) / 2e-5
			if math.Abs(float64(grad[k])-fd) > 2e-3*(math.Abs(fd)+1e-3) {
				t.Errorf("p=%v: dL/dW[%d] = %v, finite difference %v", p, k, grad[k], fd)
			}
		}
	}
}
