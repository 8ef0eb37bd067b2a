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

// MeanFlow's loss on a tiny batch equals the hand computation in float64 with a linear backbone fed (t, t − r),
// u(z, r, t) = z·W + t·a + (t − r)·d + b, whose total derivative along (v, 0, 1) is exactly du/dt = v·W + a + d:
//
//	z = (1−t)x + t e,  v = e − x,  u_tgt = v − (t − r)(v·W + a + d),  ℓ = ‖u − u_tgt‖²,  L = mean ℓ/(ℓ + c)^p,
//
// for p = 0, 0.75, 1 and both JVP modes; the loss's gradient with respect to W equals a central finite difference
// of that formula with u_tgt and the weight (ℓ + c)^−p held fixed (both are under stop-gradient). Tolerances: 1e-5
// relative on the loss (float32 graph vs float64), 2e-3 relative on the gradient (float32; FD step 1e-5 in float64),
// 1e-4 on the loss in fd mode (the linear model's JVP is exact up to float32 rounding / ε).
func TestMeanFlowLossMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	x := []float64{0.7, -0.7, 1, 0, -0.3, 0.9}
	e := []float64{0.3, -1.2, 0.8, 0.4, -0.5, 1.5}
	tt := []float64{0.9, 0.4, 0.6}
	r := []float64{0.1, 0.4, 0.35} // the middle pair is on the diagonal r = t
	d := []float64{0.4, -0.3}
	const c = 1e-3
	for _, mode := range []JVPMode{JVPExact, JVPFiniteDiff} {
		for _, p := range []float64{0, 0.75, 1} {
			l := MeanFlow{Map: AverageVelocity{Net: linear2{Dim: 2}}, P: p, C: c, JVP: mode, FDEps: 1e-3}
			// uTgt and weights at the reference weights w (held fixed for the gradient check).
			u := func(wp nets.LinearParams, i int) []float64 {
				z := []float64{(1-tt[i])*x[2*i] + tt[i]*e[2*i], (1-tt[i])*x[2*i+1] + tt[i]*e[2*i+1]}
				return apply2(wp, d, z, tt[i], tt[i]-r[i])
			}
			uTgt := func(i int) []float64 {
				v := []float64{e[2*i] - x[2*i], e[2*i+1] - x[2*i+1]}
				out := make([]float64, 2)
				for j := 0; j < 2; j++ {
					dudt := v[0]*w.W[j] + v[1]*w.W[2+j] + w.U[j] + d[j]
					out[j] = v[j] - (tt[i]-r[i])*dudt
				}
				return out
			}
			sq := func(wp nets.LinearParams, i int) float64 {
				a, g := u(wp, i), uTgt(i)
				return (a[0]-g[0])*(a[0]-g[0]) + (a[1]-g[1])*(a[1]-g[1])
			}
			weight := func(i int) float64 { return math.Pow(sq(w, i)+c, -p) }
			hand := func(wp nets.LinearParams) float64 {
				var s float64
				for i := 0; i < 3; i++ {
					s += sq(wp, i) * weight(i)
				}
				return s / 3
			}
			store := model.NewStore()
			setLinear2(store, "/net", w, d)
			outs, err := model.MustNewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
				loss := l.LossAt(root.At("net"), in[0], in[1], in[2], in[3])
				return []*Node{loss, Gradient(loss, store.GetVariable("/net/w").NodeValue(loss.Graph()))[0]}
			}).Call(host.Tensor(x, 3, 2), host.Tensor(e, 3, 2), host.Tensor(tt, 3), host.Tensor(r, 3))
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-5
			if mode == JVPFiniteDiff {
				tol = 1e-4
			}
			got, want := float64(tensors.ToScalar[float32](outs[0])), hand(w)
			if math.Abs(got-want) > tol*math.Abs(want) {
				t.Errorf("%s, p=%v: loss %v, hand computation %v", mode, p, got, want)
			}
			grad := tensors.MustCopyFlatData[float32](outs[1])
			for k := range w.W {
				wp, wm := w.Clone(), w.Clone()
				wp.W[k] += 1e-5
				wm.W[k] -= 1e-5
				fd := (hand(wp) - hand(wm)) / 2e-5
				if math.Abs(float64(grad[k])-fd) > 2e-3*(math.Abs(fd)+1e-3) {
					t.Errorf("%s, p=%v: dL/dW[%d] = %v, finite difference %v", mode, p, k, grad[k], fd)
				}
			}
		}
	}
}

// The (t, r) sampler, 20000 draws with equal laws for a and b and ratio 0.75: r ≤ t always; the fraction on the
// diagonal r = t is 1 − ratio = 0.25 under v0 (its max/min step never makes r = t by itself) and
// 0.25 + 0.75·P(b > a) = 0.625 under v1 (min(t, r) puts the pairs with r > t on the diagonal); under v1 t keeps its
// logit-normal law (mean logit t = P_mean_t), under v0 it is the larger of two draws (mean logit t = P_mean +
// 1/√π). Tolerances: 0.015 on fractions (≈ 4 binomial standard errors at n = 20000), 0.05 on mean logits (≈ 3.5
// standard errors).
func TestTimeSampler(t *testing.T) {
	b := backend.MustNew(nil)
	const n = 20000
	for _, order := range []TimeOrder{OrderV0, OrderV1} {
		ts := TimeSampler{PMeanT: -0.4, PStdT: 1, PMeanR: -0.4, PStdR: 1, Ratio: 0.75, Order: order}
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(3); err != nil {
			t.Fatal(err)
		}
		outs, err := model.MustNewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
			tn, rn := ts.Sample(root, in[0].Graph(), n)
			return []*Node{tn, rn}
		}).Call(tensors.FromScalar(float32(0)))
		if err != nil {
			t.Fatal(err)
		}
		tv, rv := host.Float64s(outs[0]), host.Float64s(outs[1])
		var diag, above, logit float64
		for i := range tv {
			if rv[i] > tv[i] {
				above++
			}
			if rv[i] == tv[i] {
				diag++
			}
			logit += math.Log(tv[i] / (1 - tv[i]))
		}
		diag, logit = diag/n, logit/n
		if above > 0 {
			t.Errorf("%s: %v draws with r > t", order, above)
		}
		switch order {
		case OrderV0:
			if math.Abs(diag-0.25) > 0.015 {
				t.Errorf("v0: diagonal fraction %.3f, want 0.25", diag)
			}
			if want := -0.4 + 1/math.Sqrt(math.Pi); math.Abs(logit-want) > 0.05 {
				t.Errorf("v0: mean logit t %.3f, want E[max of two N(-0.4, 1)] = %.3f", logit, want)
			}
		case OrderV1:
			if math.Abs(diag-0.625) > 0.015 {
				t.Errorf("v1: diagonal fraction %.3f, want 0.25 + 0.75·P(r > t) = 0.625", diag)
			}
			if math.Abs(logit+0.4) > 0.05 {
				t.Errorf("v1: mean logit t %.3f, want -0.4", logit)
			}
		}
	}
}

// AdaptiveMean with p = 1 gives every example weight 1/(ℓ + c): the value is mean ℓ/(ℓ + c) (checked to 1e-6
// against the formula) and with p = 0 the plain mean.
func TestAdaptiveMean(t *testing.T) {
	b := backend.MustNew(nil)
	ls := []float64{0, 0.5, 4}
	for _, p := range []float64{0, 1} {
		out, err := Exec1(b, func(l *Node) *Node { return AdaptiveMean(l, p, 1e-3) }, host.Tensor(ls, 3))
		if err != nil {
			t.Fatal(err)
		}
		var want float64
		for _, l := range ls {
			want += l / math.Pow(l+1e-3, p) / 3
		}
		if got := float64(tensors.ToScalar[float32](out)); math.Abs(got-want) > 1e-6*(1+want) {
			t.Errorf("p=%v: %v, want %v", p, got, want)
		}
	}
}
