package cmt

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// The CMT loss on a tiny batch equals the hand computation mean_i d(f(x_i, t_i), x̂₀_i) with a linear backbone in
// float64 (1e-5 relative: float32 graph), and — with no stop-gradient anywhere — its gradient with respect to W
// equals a central finite difference of that formula (2e-3 relative: float32 graph vs float64 FD, step 1e-5).
func TestCMTLossMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	pre := nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	x := []float64{12, -30, 0.7, 0.2, -1.1, 0.9}
	tt := []float64{40, 0.3, 0.002}
	y := []float64{0.7, -0.7, 0.6, 0.1, -1, 1}
	for _, kind := range []distance.Kind{distance.L2Sq, distance.L2, distance.PseudoHuber} {
		l := Loss{Pre: pre, Net: nets.Linear{Dim: 2}, Distance: kind, HuberC: 0.03}
		hand := func(wp nets.LinearParams) float64 {
			var s float64
			for i := 0; i < 3; i++ {
				f := pre.LinearConsistency(wp, x[2*i:2*i+2], tt[i])
				s += distance.Host(kind, 0.03, f, y[2*i:2*i+2])
			}
			return s / 3
		}
		store := model.NewStore()
		nets.SetLinear(store, "/net", w)
		outs, err := model.MustNewExec(b, store, func(root *model.Scope, xn, tn, yn *Node) []*Node {
			loss := l.Of(root.At("net"), xn, tn, yn)
			return []*Node{loss, Gradient(loss, store.GetVariable("/net/w").NodeValue(loss.Graph()))[0]}
		}).Call(host.Tensor(x, 3, 2), host.Tensor(tt, 3),
			host.Tensor(y, 3, 2))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := float64(tensors.ToScalar[float32](outs[0])), hand(w); math.Abs(got-want) > 1e-5*math.Abs(want) {
			t.Errorf("%s: loss %v, hand %v", kind, got, want)
		}
		grad := tensors.MustCopyFlatData[float32](outs[1])
		for k := range w.W {
			wp, wm := w.Clone(), w.Clone()
			wp.W[k] += 1e-5
			wm.W[k] -= 1e-5
			fd := (hand(wp) - hand(wm)) / 2e-5
			if math.Abs(float64(grad[k])-fd) > 2e-3*(math.Abs(fd)+1e-3) {
				t.Errorf("%s: dL/dW[%d] = %v, finite difference %v", kind, k, grad[k], fd)
			}
		}
	}
}
