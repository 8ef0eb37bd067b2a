package flowmap

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// The average-velocity map satisfies Ψ(x, t, t) = x bit for bit (by construction, whatever the weights) and
// Ψ(x, t, s) = x − (t − s)·F(x, t, t − s) (checked against float64 to 1e-6); the consistency model read as a map
// gives Ψ(x, t, 0) = f(x, t), EDM's consistency function, and Ψ(x, t, t) = x, up to float32 rounding (1e-6
// relative to the scale of x).
func TestMapIdentities(t *testing.T) {
	b := backend.MustNew(nil)
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	d := []float64{0.4, -0.3}
	x := []float64{0.7, -0.7, 12, -30, -0.3, 0.9}
	tt := []float64{0.9, 0.4, 0.6}
	s := []float64{0.1, 0.4, 0}
	store := model.NewStore()
	setLinear2(store, "/net", w, d)
	nets.SetLinear(store, "/cm", w)
	pre := nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}
	av := AverageVelocity{Net: linear2{Dim: 2}}
	cm := Consistency{Pre: pre, Net: nets.Linear{Dim: 2}}
	zero := make([]float64, 3)
	outs, err := model.MustNewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
		xn, tn, sn, zn := in[0], in[1], in[2], in[3]
		return []*Node{Psi(av, root.At("net"), xn, tn, tn), Psi(av, root.At("net"), xn, tn, sn),
			Psi(cm, root.At("cm"), xn, tn, zn), Psi(cm, root.At("cm"), xn, tn, tn)}
	}).Call(host.Tensor(x, 3, 2), host.Tensor(tt, 3), host.Tensor(s, 3), host.Tensor(zero, 3))
	if err != nil {
		t.Fatal(err)
	}
	diag, gen, cm0, cmDiag := host.Float64s(outs[0]), host.Float64s(outs[1]), host.Float64s(outs[2]), host.Float64s(outs[3])
	for i := 0; i < 3; i++ {
		h := apply2(w, d, x[2*i:2*i+2], tt[i], tt[i]-s[i])
		f := pre.LinearConsistency(w, x[2*i:2*i+2], tt[i])
		for j := 0; j < 2; j++ {
			k := 2*i + j
			if diag[k] != float64(float32(x[k])) {
				t.Errorf("average velocity: Ψ(x, t, t)[%d] = %v, want x = %v exactly", k, diag[k], x[k])
			}
			scale := 1 + math.Abs(x[k])
			if want := x[k] - (tt[i]-s[i])*h[j]; math.Abs(gen[k]-want) > 1e-6*scale {
				t.Errorf("average velocity: Ψ(x, t, s)[%d] = %v, want %v", k, gen[k], want)
			}
			if math.Abs(cm0[k]-f[j]) > 1e-6*scale {
				t.Errorf("consistency: Ψ(x, t, 0)[%d] = %v, want f = %v", k, cm0[k], f[j])
			}
			if math.Abs(cmDiag[k]-x[k]) > 1e-6*scale {
				t.Errorf("consistency: Ψ(x, t, t)[%d] = %v, want x = %v", k, cmDiag[k], x[k])
			}
		}
	}
}

// gaussMap is the exact PF-ODE flow map of 1-D Gaussian data N(μ, s²) on EDM time: Ψ_{t→u}(x) = μ + (x − μ)·
// √(s² + u²)/√(s² + t²).
func gaussMap(mu, sd float64) HostMap {
	return func(x []float64, dim int, t, u float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = mu + (v-mu)*math.Sqrt(sd*sd+u*u)/math.Sqrt(sd*sd+t*t)
		}
		return out
	}
}

// MapSample composes the map along the grid: with the exact Gaussian flow map, N steps on any grid equal one step
// (the semigroup property Ψ_{u→s}∘Ψ_{t→u} = Ψ_{t→s}) to 1e-12; FromConsistency with grid [T, 0] is OneStep bit for
// bit; bad grids and shapes are errors.
func TestMapSample(t *testing.T) {
	m := gaussMap(0.3, 0.5)
	x := []float64{80, -40, 3, 0}
	one, err := MapSample(m, x, 1, []float64{80, 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, grid := range [][]float64{{80, 0.8, 0}, {80, 10, 1, 0.1, 0}, UniformGrid(80, 0, 7)} {
		many, err := MapSample(m, x, 1, grid)
		if err != nil {
			t.Fatal(err)
		}
		if e := relMaxErr(many, one); e > 1e-12 {
			t.Errorf("grid %v: %v vs one step %v", grid, many, one)
		}
	}
	f := func(x []float64, dim int, t float64) []float64 { return m(x, dim, t, 0) }
	viaMap, err := MapSample(FromConsistency(f), []float64{80, -40}, 1, []float64{80, 0})
	if err != nil {
		t.Fatal(err)
	}
	direct := OneStep(f, []float64{1, -0.5}, 1, 80)
	for i := range direct {
		if viaMap[i] != direct[i] {
			t.Errorf("FromConsistency 1-step %v, OneStep %v", viaMap, direct)
		}
	}
	for _, bad := range [][]float64{{1}, {0, 1}, {1, 1, 0}, {1, math.NaN()}, {1, -0.5}} {
		if _, err := MapSample(m, x, 1, bad); err == nil {
			t.Errorf("grid %v: want an error", bad)
		}
	}
	if _, err := MapSample(m, x, 3, []float64{1, 0}); err == nil {
		t.Error("4 values with dim 3: want an error")
	}
	if g := UniformGrid(1, 0, 2); g[0] != 1 || g[1] != 0.5 || g[2] != 0 {
		t.Errorf("UniformGrid(1, 0, 2) = %v", g)
	}
}
