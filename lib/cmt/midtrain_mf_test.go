package cmt

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/solver"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// The general-map CMT loss with t_j = 0 reproduces the special-map loss exactly. With the consistency model read
// as a map (flowmap.Consistency, h = (x − f)/t) and targets (x̂_{t_i} − x̂₀)/t_i:
//   - in SpaceMap it equals Loss{Distance: l2sq} — mean ‖f_θ(x̂_{t_i}, t_i) − x̂₀‖² — and so does its gradient with
//     respect to W, up to float32 rounding (2e-5 relative on the loss, 5e-5 on the gradient: the map space
//     computes f as x − t·(x − f)/t, which at |x| = 30, t = 40 loses |x|·2⁻²⁴ ≈ 2e-6 to cancellation; measured
//     1.9e-6 on the loss, 1.3e-5 on the gradient);
//   - in SpaceVelocity (the paper's) it equals the mean of ‖f − x̂₀‖²/t_i², checked with one pair per time.
func TestLossMFAtZeroIsSpecialMapLoss(t *testing.T) {
	b := backend.MustNew(nil)
	pre := nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	x := []float64{12, -30, 0.7, 0.2, -1.1, 0.9}
	tt := []float64{40, 0.3, 0.01}
	y := []float64{0.7, -0.7, 0.6, 0.1, -1, 1}
	target := make([]float64, 6)
	for i := range target {
		target[i] = (x[i] - y[i]) / tt[i/2]
	}
	cm := flowmap.Consistency{Pre: pre, Net: nets.Linear{Dim: 2}}
	special := Loss{Pre: pre, Net: nets.Linear{Dim: 2}, Distance: distance.L2Sq}
	store := model.NewStore()
	nets.SetLinear(store, "/net", w)
	outs, err := model.MustNewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
		xn, tn, sn, tg, yn := in[0], in[1], in[2], in[3], in[4]
		wv := store.GetVariable("/net/w").NodeValue(xn.Graph())
		lMap := LossMF{Map: cm, Space: SpaceMap}.Of(root.At("net"), xn, tn, sn, tg)
		lSpecial := special.Of(root.At("net"), xn, tn, yn)
		lVel := LossMF{Map: cm}.Of(root.At("net"), xn, tn, sn, tg)
		return []*Node{lMap, lSpecial, lVel, Gradient(lMap, wv)[0], Gradient(lSpecial, wv)[0]}
	}).Call(host.Tensor(x, 3, 2), host.Tensor(tt, 3), host.Tensor(make([]float64, 3), 3), host.Tensor(target, 3, 2),
		host.Tensor(y, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	lMap, lSpecial, lVel := float64(tensors.ToScalar[float32](outs[0])), float64(tensors.ToScalar[float32](outs[1])),
		float64(tensors.ToScalar[float32](outs[2]))
	if math.Abs(lMap-lSpecial) > 2e-5*lSpecial {
		t.Errorf("map space at t_j = 0: %v, special-map loss %v", lMap, lSpecial)
	}
	gMap, gSpecial := host.Float64s(outs[3]), host.Float64s(outs[4])
	for k := range gMap {
		if math.Abs(gMap[k]-gSpecial[k]) > 5e-5*(math.Abs(gSpecial[k])+1e-3) {
			t.Errorf("dL/dW[%d]: map space %v, special-map loss %v", k, gMap[k], gSpecial[k])
		}
	}
	var want float64
	for i := 0; i < 3; i++ {
		f := pre.LinearConsistency(w, x[2*i:2*i+2], tt[i])
		want += distance.Host(distance.L2Sq, 0, f, y[2*i:2*i+2]) / (tt[i] * tt[i]) / 3
	}
	if math.Abs(lVel-want) > 1e-5*want {
		t.Errorf("velocity space at t_j = 0: %v, want mean ‖f − x̂₀‖²/t² = %v", lVel, want)
	}
}

// For general pairs (t_j > 0) the loss equals the hand computation mean ‖h(x, t, s) − target‖² (velocity space)
// and mean (t − s)²‖·‖² (map space) with a linear backbone h = x·W + t·a + b in float64 (1e-5 relative), and —
// no stop-gradient anywhere — its gradient with respect to W equals a central finite difference (2e-3 relative).
func TestLossMFMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	x := []float64{0.9, -1.3, 0.7, 0.2, -1.1, 0.9}
	tt := []float64{1, 0.6, 0.2}
	ss := []float64{0.5, 0.1, 0}
	target := []float64{0.4, -1, 1.2, 0.3, -0.6, 0.2}
	for _, sp := range []Space{SpaceVelocity, SpaceMap} {
		hand := func(wp nets.LinearParams) float64 {
			var sum float64
			for i := 0; i < 3; i++ {
				var sq float64
				for j := 0; j < 2; j++ {
					h := x[2*i]*wp.W[j] + x[2*i+1]*wp.W[2+j] + tt[i]*wp.U[j] + wp.B[j]
					sq += (h - target[2*i+j]) * (h - target[2*i+j])
				}
				if sp == SpaceMap {
					sq *= (tt[i] - ss[i]) * (tt[i] - ss[i])
				}
				sum += sq / 3
			}
			return sum
		}
		store := model.NewStore()
		nets.SetLinear(store, "/net", w)
		l := LossMF{Map: flowmap.AverageVelocity{Net: nets.Linear{Dim: 2}}, Space: sp}
		outs, err := model.MustNewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
			loss := l.Of(root.At("net"), in[0], in[1], in[2], in[3])
			return []*Node{loss, Gradient(loss, store.GetVariable("/net/w").NodeValue(loss.Graph()))[0]}
		}).Call(host.Tensor(x, 3, 2), host.Tensor(tt, 3), host.Tensor(ss, 3), host.Tensor(target, 3, 2))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := float64(tensors.ToScalar[float32](outs[0])), hand(w); math.Abs(got-want) > 1e-5*want {
			t.Errorf("%s: loss %v, hand %v", sp, got, want)
		}
		grad := host.Float64s(outs[1])
		for k := range w.W {
			wp, wm := w.Clone(), w.Clone()
			wp.W[k] += 1e-5
			wm.W[k] -= 1e-5
			fd := (hand(wp) - hand(wm)) / 2e-5
			if math.Abs(grad[k]-fd) > 2e-3*(math.Abs(fd)+1e-3) {
				t.Errorf("%s: dL/dW[%d] = %v, finite difference %v", sp, k, grad[k], fd)
			}
		}
	}
}

// Pair drawing from two trajectory groups on different grids (5 and 4 points; 3 and 1 trajectories), 40000
// draws of time indices: "all" hits each of the 10 pairs t_i > t_j of a 5-point grid with frequency 1/10 (±0.01,
// ≈ 7 standard errors of 0.0015) and never i = j; "end" always ends at the clean end. In a batch, every target is
// (x̂_{t_i} − x̂_{t_j})/(t_i − t_j) of its own trajectory on its own group's grid (1e-6, float32 rounding) and the
// groups are drawn in proportion to their trajectories (3/4 ± 0.02). DiagFrac = 0.2 puts 0.2 ± 0.015 of the pairs
// on the diagonal with the teacher's velocity as target; without velocities it is an error.
func TestMFPairs(t *testing.T) {
	dim := 2
	mk := func(times []float64, n, base int) (*solver.Trajectory, [][]float64) {
		tr := &solver.Trajectory{Dim: dim, Times: times}
		vel := make([][]float64, len(times))
		for k := range times {
			st, v := make([]float64, n*dim), make([]float64, n*dim)
			for i := range st {
				st[i] = float64(base + k*100 + i)
				v[i] = -st[i]
			}
			tr.States, vel[k] = append(tr.States, st), v
		}
		return tr, vel
	}
	g0, v0 := mk([]float64{1, 0.7, 0.4, 0.1, 0}, 3, 0)
	g1, v1 := mk([]float64{1, 0.55, 0.25, 0}, 1, 10000)
	rng := rand.New(rand.NewPCG(1, 1))
	p, err := NewMFPairs(PairsAll, g0, g1)
	if err != nil {
		t.Fatal(err)
	}
	if p.N() != 4 {
		t.Fatalf("N = %d, want 4", p.N())
	}
	count := map[[2]int]int{}
	const draws = 40000
	for range draws {
		a, b := p.Indices(rng, 5)
		if a >= b {
			t.Fatalf("all: drew (%d, %d)", a, b)
		}
		count[[2]int{a, b}]++
	}
	if len(count) != 10 {
		t.Errorf("all: %d distinct pairs, want 10", len(count))
	}
	for k, c := range count {
		if f := float64(c) / draws; math.Abs(f-0.1) > 0.01 {
			t.Errorf("all: pair %v frequency %.3f, want 0.1", k, f)
		}
	}
	x, tn, sn, tg, err := p.Batch(rng, 4000)
	if err != nil {
		t.Fatal(err)
	}
	xs, ts, ss, ys := host.Float64s(x), host.Float64s(tn), host.Float64s(sn), host.Float64s(tg)
	inG0 := 0
	for k := range ts {
		tr := g0
		if xs[k*dim] >= 10000 {
			tr = g1
		} else {
			inG0++
		}
		a, b := indexOf(tr.Times, ts[k]), indexOf(tr.Times, ss[k])
		if a < 0 || b < 0 {
			t.Fatalf("pair %d: times (%v, %v) not on its group's grid", k, ts[k], ss[k])
		}
		base := 0
		if tr == g1 {
			base = 10000
		}
		i := (int(xs[k*dim]) - base - a*100) / dim
		for c := 0; c < dim; c++ {
			want := (tr.States[a][i*dim+c] - tr.States[b][i*dim+c]) / (tr.Times[a] - tr.Times[b])
			if math.Abs(ys[k*dim+c]-want) > 1e-6*math.Abs(want) {
				t.Errorf("pair %d: target %v, want %v", k, ys[k*dim+c], want)
			}
		}
	}
	if f := float64(inG0) / 4000; math.Abs(f-0.75) > 0.02 {
		t.Errorf("group 0 drawn with frequency %.3f, want 0.75", f)
	}
	p.Scheme = PairsEnd
	for range 1000 {
		if a, b := p.Indices(rng, 5); b != 4 || a > 3 {
			t.Fatalf("end: drew (%d, %d)", a, b)
		}
	}
	p.Scheme, p.DiagFrac = PairsAll, 0.2
	if _, _, _, _, err := p.Batch(rng, 4); err == nil {
		t.Error("diagonal pairs without velocities: want an error")
	}
	p.Vel = [][][]float64{v0, v1}
	_, tn, sn, tg, err = p.Batch(rng, 20000)
	if err != nil {
		t.Fatal(err)
	}
	ts, ss, ys = host.Float64s(tn), host.Float64s(sn), host.Float64s(tg)
	var diag int
	for k := range ts {
		if ts[k] == ss[k] {
			diag++
			if ys[2*k] > 0 {
				t.Fatalf("diagonal pair %d: target %v is not a velocity", k, ys[2*k])
			}
		}
	}
	if f := float64(diag) / 20000; math.Abs(f-0.2) > 0.015 {
		t.Errorf("diagonal fraction %.3f, want 0.2", f)
	}
	if _, err := NewMFPairs(PairsAll, &solver.Trajectory{Dim: 1, Times: []float64{0, 1}, States: [][]float64{{0}, {1}}}); err == nil {
		t.Error("ascending times: want an error")
	}
}

func indexOf(times []float64, t float64) int {
	for k, v := range times {
		if float64(float32(v)) == t {
			return k
		}
	}
	return -1
}
