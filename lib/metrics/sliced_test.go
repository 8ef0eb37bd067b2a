package metrics

import (
	"math"
	"testing"
)

// TestSlicedW2SelfZero checks SW2(x, x) = 0 exactly (both projections are
// identical and sorted identically), for the 2D angle grid and for random
// directions in 3D.
func TestSlicedW2SelfZero(t *testing.T) {
	rng := newRand(21)
	for _, dim := range []int{1, 2, 3} {
		x := gaussianPoints(rng, 500, make([]float64, dim), 1)
		d, err := SlicedW2(x, x, dim, 16, 5)
		if err != nil {
			t.Fatal(err)
		}
		if d != 0 {
			t.Errorf("dim %d: SlicedW2(x, x) = %g, want 0", dim, d)
		}
	}
}

// TestSlicedW2ShiftExact checks the low-variance 2D angle grid: when y is x
// translated by Δ, every projection is a shift by θ·Δ, so W2²(θ) = (θ·Δ)²
// exactly, and the mean of cos² over nProj ≥ 2 evenly spaced angles in
// [0, π) is exactly ½. Hence SW2 = |Δ|/√2 up to round-off: 1e-12 relative.
func TestSlicedW2ShiftExact(t *testing.T) {
	x := gaussianPoints(newRand(22), 800, []float64{0, 0}, 1)
	delta := []float64{1.2, -0.5}
	y := append([]float64(nil), x...)
	for i := 0; i < len(y); i += 2 {
		y[i] += delta[0]
		y[i+1] += delta[1]
	}
	want := math.Hypot(delta[0], delta[1]) / math.Sqrt2
	for _, nProj := range []int{2, 3, 7, 50} {
		for _, seed := range []uint64{0, 1, 99} {
			got, err := SlicedW2(x, y, 2, nProj, seed)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-want) > 1e-12*want {
				t.Errorf("nProj %d seed %d: got %.15g, want |Δ|/√2 = %.15g", nProj, seed, got, want)
			}
		}
	}
}

// TestQuantileW2Squared checks the quantile-grid W2² on a hand-computed
// unequal-size case: a = {0, 1}, b = {0, 1, 2, 3}; on the 4 levels
// (k+½)/4 the quantiles of a are 0, 0.25, 0.75, 1 (positions −¼ clamped,
// ¼, ¾, 1¼ clamped), so W2² = (0 + 0.75² + 1.25² + 2²)/4 = 1.53125.
// Exact binary fractions: compared with ==. It also checks symmetry.
func TestQuantileW2Squared(t *testing.T) {
	a := []float64{0, 1}
	b := []float64{0, 1, 2, 3}
	if got := quantileW2Squared(a, b); got != 1.53125 {
		t.Errorf("W2²(a, b) = %v, want 1.53125", got)
	}
	if got := quantileW2Squared(b, a); got != 1.53125 {
		t.Errorf("W2²(b, a) = %v, want 1.53125", got)
	}
}

// TestSlicedW2Gaussian2D compares against the closed form for
// N(μ1, s²I) vs N(μ2, s²I) in 2D: every projection is a shift, W2²(θ) =
// (θ·Δμ)², whose mean over θ is |Δμ|²/2, so SW2 = |Δμ|/√2.
//
// Tolerance: the estimate at n = m = 4000 (and at n = 4000, m = 1500 for the
// unequal-size path) is allowed 5 standard deviations plus a bias allowance.
// The sd is estimated from 12 replicates at n = m = 1000 and scaled by
// √(1000/1500) (the smaller set dominates the sampling noise of the means,
// and 1000/1500 ≥ 1000/4000 makes this conservative for the equal case).
// The bias of the empirical W2² decreases with n, so the replicate mean's
// distance from the truth at n = 1000 bounds it at larger n.
func TestSlicedW2Gaussian2D(t *testing.T) {
	const s = 1.0
	mu2 := []float64{1.6, -1.2} // |Δμ| = 2
	truth := 2 / math.Sqrt2
	const nProj = 32

	reps := make([]float64, 12)
	for r := range reps {
		rng := newRand(uint64(300 + r))
		x := gaussianPoints(rng, 1000, []float64{0, 0}, s)
		y := gaussianPoints(rng, 1000, mu2, s)
		d, err := SlicedW2(x, y, 2, nProj, uint64(r))
		if err != nil {
			t.Fatal(err)
		}
		reps[r] = d
	}
	mean1000, sd1000 := meanStd(reps)
	sd := sd1000 * math.Sqrt(1000.0/1500)
	tol := 5*sd + math.Abs(mean1000-truth)

	rng := newRand(23)
	x := gaussianPoints(rng, 4000, []float64{0, 0}, s)
	y := gaussianPoints(rng, 4000, mu2, s)
	for _, c := range []struct {
		name string
		y    []float64
	}{{"n=m=4000", y}, {"n=4000 m=1500", y[:1500*2]}} {
		got, err := SlicedW2(x, c.y, 2, nProj, 7)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: SW2 %.5f, closed form %.5f, tol %.5f", c.name, got, truth, tol)
		if math.Abs(got-truth) > tol {
			t.Errorf("%s: SW2 = %.5f, want %.5f ± %.5f", c.name, got, truth, tol)
		}
	}
}

// TestSlicedW2Random3D checks the random-direction path in 3D: for a pure
// translation by Δ, W2²(θ) = (θ·Δ)² and E_θ[(θ·Δ)²] = |Δ|²/3 for θ uniform
// on the sphere. With 2000 directions the Monte Carlo relative error of the
// mean of |Δ|²cos²φ is sd(cos²φ)/(E cos²φ·√2000) = (2/√5)/√2000 ≈ 2%, so SW2²
// is checked to 10% (5 sd). It also checks that the result is deterministic
// in the seed and changes with it.
func TestSlicedW2Random3D(t *testing.T) {
	x := gaussianPoints(newRand(24), 300, []float64{0, 0, 0}, 1)
	delta := []float64{1, 2, -2} // |Δ|² = 9
	y := append([]float64(nil), x...)
	for i := 0; i < len(y); i += 3 {
		for k := range 3 {
			y[i+k] += delta[k]
		}
	}
	got, err := SlicedW2(x, y, 3, 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if sq := got * got; math.Abs(sq-3) > 0.1*3 {
		t.Errorf("SW2² = %.4f, want |Δ|²/3 = 3 ± 10%%", sq)
	}
	again, _ := SlicedW2(x, y, 3, 2000, 1)
	other, _ := SlicedW2(x, y, 3, 2000, 2)
	if again != got {
		t.Errorf("same seed gave %v then %v", got, again)
	}
	if other == got {
		t.Errorf("different seeds gave the same value %v", got)
	}
}

// TestSlicedW2Errors checks that bad input is rejected with an error.
func TestSlicedW2Errors(t *testing.T) {
	good := []float64{0, 0, 1, 1}
	cases := []struct {
		name       string
		x, y       []float64
		dim, nProj int
	}{
		{"nProj zero", good, good, 2, 0},
		{"dim zero", good, good, 0, 4},
		{"empty x", nil, good, 2, 4},
		{"dim mismatch", good, []float64{0, 0, 1}, 2, 4},
		{"NaN in x", []float64{math.NaN(), 0, 1, 1}, good, 2, 4},
		{"NaN in y", good, []float64{0, 0, 1, math.NaN()}, 2, 4},
	}
	for _, c := range cases {
		if _, err := SlicedW2(c.x, c.y, c.dim, c.nProj, 1); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
