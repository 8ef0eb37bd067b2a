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
	"github.com/gomlx/gomlx/ml/model"
)

// ECT's loss on a tiny batch equals the hand computation
//
//	mean_i d(f(y_i + t_i ε_i, t_i), sg f(y_i + r_i ε_i, r_i)) / (t_i − r_i)   (target y_i where r_i < σ_min)
//
// in float64 with a linear backbone, for each distance; its gradient with respect to W equals a central finite
// difference of that hand formula with the target held fixed (the stop-gradient). Tolerances: 1e-5 relative on the
// loss (float32 graph vs float64 hand); 2e-3 relative on the gradient (float32 graph; the FD step 1e-5 in float64
// has truncation error ~1e-10).
func TestECTLossMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	pre := nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	y := []float64{0.7, -0.7, 1, 0, -0.3, 0.9}
	tt := []float64{0.5, 3, 0.01}
	r := []float64{0.45, 2.9, 0} // the last pair has r = 0: its target is y
	eps := []float64{0.3, -1.2, 0.8, 0.4, -0.5, 1.5}
	for _, kind := range []distance.Kind{distance.L2, distance.L2Sq, distance.PseudoHuber} {
		l := ECT{Pre: pre, Net: nets.Linear{Dim: 2}, Distance: kind, HuberC: 0.03}
		hand := func(wp nets.LinearParams, target func(i int) []float64) float64 {
			var s float64
			for i := 0; i < 3; i++ {
				xt := []float64{y[2*i] + tt[i]*eps[2*i], y[2*i+1] + tt[i]*eps[2*i+1]}
				f := pre.LinearConsistency(wp, xt, tt[i])
				tg := target(i)
				s += distance.Host(kind, 0.03, f, tg) / (tt[i] - r[i])
			}
			return s / 3
		}
		fixedTarget := func(i int) []float64 {
			if r[i] < pre.SigmaMin {
				return y[2*i : 2*i+2]
			}
			return pre.LinearConsistency(w, []float64{y[2*i] + r[i]*eps[2*i], y[2*i+1] + r[i]*eps[2*i+1]}, r[i])
		}
		store := model.NewStore()
		nets.SetLinear(store, "/net", w)
		outs, err := model.MustNewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
			loss := l.LossAt(root.At("net"), nil, in[0], in[1], in[2], in[3])
			return []*Node{loss, Gradient(loss, store.GetVariable("/net/w").NodeValue(loss.Graph()))[0]}
		}).Call(host.Tensor(y, 3, 2), host.Tensor(tt, 3),
			host.Tensor(r, 3), host.Tensor(eps, 3, 2))
		if err != nil {
			t.Fatal(err)
		}
		got, want := float64(tensors.ToScalar[float32](outs[0])), hand(w, fixedTarget)
		if math.Abs(got-want) > 1e-5*math.Abs(want) {
			t.Errorf("%s: loss %v, hand computation %v", kind, got, want)
		}
		grad := tensors.MustCopyFlatData[float32](outs[1])
		for k := range w.W {
			h := 1e-5
			wp, wm := w.Clone(), w.Clone()
			wp.W[k] += h
			wm.W[k] -= h
			fd := (hand(wp, fixedTarget) - hand(wm, fixedTarget)) / (2 * h)
			if math.Abs(float64(grad[k])-fd) > 2e-3*(math.Abs(fd)+1e-3) {
				t.Errorf("%s: dL/dW[%d] = %v, finite difference %v", kind, k, grad[k], fd)
			}
		}
	}
}

// The Δt mapping: r = t·(1 − q^{−(s+1)}(1 + k·sigmoid(−b t))), clamped at 0; checked against the formula in
// float64 (1e-6 relative) at stage 0 and 3.
func TestECTMapping(t *testing.T) {
	b := backend.MustNew(nil)
	l := ECT{Q: 256, K: 8, B: 1}
	ts := []float64{0.002, 0.1, 1, 10, 80}
	for _, stage := range []float64{0, 3} {
		out, err := Exec1(b, func(tn *Node) *Node { return l.R(tn, ConstAs(tn, stage)) }, host.Tensor(ts, len(ts)))
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float32](out)
		for i, x := range ts {
			want := math.Max(0, x*(1-math.Pow(256, -(stage+1))*(1+8/(1+math.Exp(x)))))
			if math.Abs(float64(got[i])-want) > 1e-6*(want+1e-3) {
				t.Errorf("stage %v: r(%v) = %v, want %v", stage, x, got[i], want)
			}
		}
	}
}

// ECD replaces x_r by one teacher ODE step from x_t: Euler x_r = x_t + (r − t)(x_t − D(x_t, t))/t, or Heun's
// average of the slopes at both ends. The loss with a linear teacher equals the hand computation of that step
// followed by ECT's formula (1e-5 relative; float32 graph vs float64 hand).
func TestECDTeacherStepMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	pre := nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	teach := nets.LinearParams{W: []float64{0.5, 0.1, -0.1, 0.6}, U: []float64{-0.3, 0.2}, B: []float64{0.1, 0}}
	y := []float64{0.7, -0.7, 1, 0}
	tt, r := []float64{0.5, 3}, []float64{0.45, 2.9}
	eps := []float64{0.3, -1.2, 0.8, 0.4}
	for _, heun := range []bool{false, true} {
		l := ECT{Pre: pre, Net: nets.Linear{Dim: 2}, Distance: distance.L2, Teacher: nets.Linear{Dim: 2}, TeacherPre: pre, Heun: heun}
		var want float64
		for i := 0; i < 2; i++ {
			xt := []float64{y[2*i] + tt[i]*eps[2*i], y[2*i+1] + tt[i]*eps[2*i+1]}
			slope := func(x []float64, s float64) []float64 {
				D := pre.LinearDenoiser(teach, x, s)
				return []float64{(x[0] - D[0]) / s, (x[1] - D[1]) / s}
			}
			d := slope(xt, tt[i])
			h := r[i] - tt[i]
			xr := []float64{xt[0] + h*d[0], xt[1] + h*d[1]}
			if heun {
				d2 := slope(xr, r[i])
				xr = []float64{xt[0] + h*(d[0]+d2[0])/2, xt[1] + h*(d[1]+d2[1])/2}
			}
			want += distance.Host(distance.L2, 0, pre.LinearConsistency(w, xt, tt[i]), pre.LinearConsistency(w, xr, r[i])) / (tt[i] - r[i])
		}
		want /= 2
		store := model.NewStore()
		nets.SetLinear(store, "/net", w)
		nets.SetLinear(store, "/teacher", teach)
		out, err := model.CallOnce(b, store, func(root *model.Scope, in []*Node) *Node {
			return l.LossAt(root.At("net"), root.At("teacher"), in[0], in[1], in[2], in[3])
		}, host.Tensor(y, 2, 2), host.Tensor(tt, 2), host.Tensor(r, 2), host.Tensor(eps, 2, 2))
		if err != nil {
			t.Fatal(err)
		}
		if got := float64(tensors.ToScalar[float32](out)); math.Abs(got-want) > 1e-5*want {
			t.Errorf("heun=%v: loss %v, hand %v", heun, got, want)
		}
	}
}
