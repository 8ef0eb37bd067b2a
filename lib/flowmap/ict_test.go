package flowmap

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func testICT() ICT {
	return ICT{Pre: nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}, Net: nets.Linear{Dim: 2}, SigmaMax: 80, PMean: -1.1,
		PStd: 2, S0: 10, S1: 1280, K: 2000, Distance: distance.PseudoHuber}
}

// The curriculum, by hand for K = 2000, s₀ = 10, s₁ = 1280: log₂ 128 = 7, so K' = ⌊2000/8⌋ = 250 and N doubles
// every 250 steps from 11 to 1281, where it stays. Integers: exact.
func TestICTCurriculum(t *testing.T) {
	l := testICT()
	for _, c := range []struct{ k, n int }{{0, 11}, {249, 11}, {250, 21}, {500, 41}, {1500, 641}, {1749, 641},
		{1750, 1281}, {1999, 1281}, {1 << 40, 1281}} {
		if got := l.N(c.k); got != c.n {
			t.Errorf("N(%d) = %d, want %d", c.k, got, c.n)
		}
	}
}

// The Karras grid: ends exactly σ_min and σ_max, and an interior point equal to (σ_min^{1/7} + (i−1)/(N−1)·
// (σ_max^{1/7} − σ_min^{1/7}))⁷ computed by hand for N = 3, i = 2 (1e-12 relative: float64 rounding).
func TestICTGrid(t *testing.T) {
	l := testICT()
	g := l.Grid(3)
	mid := math.Pow((math.Pow(0.002, 1.0/7)+math.Pow(80, 1.0/7))/2, 7)
	if g[0] != 0.002 || g[2] != 80 || math.Abs(g[1]-mid) > 1e-12*mid {
		t.Errorf("grid %v, want [0.002 %v 80]", g, mid)
	}
	g = l.Grid(1281)
	for i := 1; i < len(g); i++ {
		if g[i] <= g[i-1] {
			t.Fatalf("grid not increasing at %d", i)
		}
	}
}

// The drawn indices follow p(i) ∝ erf((ln σ_{i+1} − P_mean)/(√2 P_std)) − erf((ln σ_i − P_mean)/(√2 P_std)): on
// N = 11 the empirical frequency of every interval over 200,000 draws is within 5 standard errors
// (√(p(1−p)/n) ≤ 1.2e-3) of p(i) computed here from the erf formula, and every pair is (σ_{i+1}, σ_i).
func TestICTTimesFollowTheLognormal(t *testing.T) {
	l := testICT()
	g := l.Grid(11)
	cdf := func(s float64) float64 { return math.Erf((math.Log(s) + 1.1) / (math.Sqrt2 * 2)) }
	const n = 200000
	tt, r := l.Times(rand.New(rand.NewPCG(1, 2)), 0, n)
	count := make([]float64, 10)
	for b := range tt {
		i := 0
		for i < 10 && g[i] != r[b] {
			i++
		}
		if i == 10 || tt[b] != g[i+1] {
			t.Fatalf("pair (%v, %v) is not two neighbours of the grid", tt[b], r[b])
		}
		count[i]++
	}
	z := cdf(80) - cdf(0.002)
	for i := range count {
		p := (cdf(g[i+1]) - cdf(g[i])) / z
		if se := math.Sqrt(p * (1 - p) / n); math.Abs(count[i]/n-p) > 5*se {
			t.Errorf("interval %d: frequency %v, p = %v (5 se = %v)", i, count[i]/n, p, 5*se)
		}
	}
}

// iCT's loss on a tiny batch equals the hand computation mean_i d(f(y + σ_{i+1}ε), sg f(y + σ_i ε))/(σ_{i+1} − σ_i)
// with the pseudo-Huber d and c = 0.00054·√2, in float64 with a linear backbone (1e-5 relative: float32 graph); its
// gradient with respect to W equals a central finite difference of that formula with the target held fixed
// (2e-3 relative: float32 graph, FD step 1e-5).
func TestICTLossMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	l := testICT()
	pre, c := l.Pre, 0.00054*math.Sqrt2
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	y := []float64{0.7, -0.7, 1, 0, -0.3, 0.9}
	g := l.Grid(11)
	tt, r := []float64{g[1], g[5], g[10]}, []float64{g[0], g[4], g[9]} // the first pair ends at σ_min itself
	eps := []float64{0.3, -1.2, 0.8, 0.4, -0.5, 1.5}
	at := func(s float64, i int) []float64 { return []float64{y[2*i] + s*eps[2*i], y[2*i+1] + s*eps[2*i+1]} }
	hand := func(wp nets.LinearParams) float64 {
		var s float64
		for i := 0; i < 3; i++ {
			target := pre.LinearConsistency(w, at(r[i], i), r[i])
			s += distance.Host(distance.PseudoHuber, c, pre.LinearConsistency(wp, at(tt[i], i), tt[i]), target) / (tt[i] - r[i])
		}
		return s / 3
	}
	store := model.NewStore()
	nets.SetLinear(store, "/net", w)
	outs, err := model.MustNewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
		loss := l.LossAt(root.At("net"), in[0], in[1], in[2], in[3])
		return []*Node{loss, Gradient(loss, store.GetVariable("/net/w").NodeValue(loss.Graph()))[0]}
	}).Call(host.Tensor(y, 3, 2), host.Tensor(tt, 3), host.Tensor(r, 3), host.Tensor(eps, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := float64(tensors.ToScalar[float32](outs[0])), hand(w); math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Errorf("loss %v, hand computation %v", got, want)
	}
	grad := tensors.MustCopyFlatData[float32](outs[1])
	for k := range w.W {
		h := 1e-5
		wp, wm := w.Clone(), w.Clone()
		wp.W[k] += h
		wm.W[k] -= h
		fd := (hand(wp) - hand(wm)) / (2 * h)
		if math.Abs(float64(grad[k])-fd) > 2e-3*(math.Abs(fd)+1e-3) {
			t.Errorf("dL/dW[%d] = %v, finite difference %v", k, grad[k], fd)
		}
	}
}
