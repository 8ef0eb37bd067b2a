package metrics

import (
	"math"
	"testing"
)

// TestChiWithin checks ChiWithin against closed forms: erf(k/√2) in 1D,
// 1 − exp(−k²/2) in 2D and erf(k/√2) − sqrt(2/π)·k·exp(−k²/2) in 3D, to
// 1e-12 absolute (the incomplete gamma function is accurate to a few ulps),
// and the documented 2D value at k = 3, 0.98889.
func TestChiWithin(t *testing.T) {
	for _, k := range []float64{0.1, 0.5, 1, 2, 3, 4.5} {
		want := map[int]float64{
			1: math.Erf(k / math.Sqrt2),
			2: 1 - math.Exp(-k*k/2),
			3: math.Erf(k/math.Sqrt2) - math.Sqrt(2/math.Pi)*k*math.Exp(-k*k/2),
		}
		for dim, w := range want {
			if got := ChiWithin(k, dim); math.Abs(got-w) > 1e-12 {
				t.Errorf("ChiWithin(%v, %d) = %.15g, want %.15g", k, dim, got, w)
			}
		}
	}
	if got := ChiWithin(3, 2); math.Abs(got-0.98889) > 5e-6 {
		t.Errorf("ChiWithin(3, 2) = %v, want ≈ 0.98889", got)
	}
	if ChiWithin(0, 2) != 0 || ChiWithin(-1, 2) != 0 || ChiWithin(math.Inf(1), 2) != 1 {
		t.Error("ChiWithin edge values wrong")
	}
	if !math.IsNaN(ChiWithin(1, 0)) {
		t.Error("ChiWithin(1, 0) should be NaN")
	}
}

// ringMeans returns k mode means evenly spaced on a circle of radius r.
func ringMeans(k int, r float64) [][]float64 {
	m := make([][]float64, k)
	for i := range m {
		a := 2 * math.Pi * float64(i) / float64(k)
		m[i] = []float64{r * math.Cos(a), r * math.Sin(a)}
	}
	return m
}

// TestModeCoveragePerfect draws n = 8000 samples from an 8-mode ring mixture
// (radius 4, std 0.1; neighbouring modes ~30 std apart, so no sample lands
// near a wrong mode). Precision is then Binomial(n, p)/n with
// p = ChiWithin(3, 2); it must be within 3 binomial standard errors
// sqrt(p(1−p)/n) ≈ 0.0012 of p. Every mode gets ~1000 samples against a
// threshold of 100, so recall must be exactly 1.
func TestModeCoveragePerfect(t *testing.T) {
	const n, k, std = 8000, 8, 0.1
	means := ringMeans(k, 4)
	rng := newRand(51)
	x := make([]float64, 0, 2*n)
	for range n {
		mu := means[rng.IntN(k)]
		x = append(x, mu[0]+std*rng.NormFloat64(), mu[1]+std*rng.NormFloat64())
	}
	prec, rec, err := ModeCoverage(x, 2, means, std)
	if err != nil {
		t.Fatal(err)
	}
	p := ChiWithin(3, 2)
	se := math.Sqrt(p * (1 - p) / n)
	if math.Abs(prec-p) > 3*se {
		t.Errorf("precision %.5f, want %.5f ± %.5f", prec, p, 3*se)
	}
	if rec != 1 {
		t.Errorf("recall %v, want 1", rec)
	}
}

// TestModeCoverageCollapsed puts all samples near one mode: recall must be
// exactly 1/K and precision exactly 1 (all samples lie within 1 std).
func TestModeCoverageCollapsed(t *testing.T) {
	const n, k, std = 1000, 8, 0.1
	means := ringMeans(k, 4)
	rng := newRand(52)
	x := make([]float64, 0, 2*n)
	for range n {
		x = append(x, means[3][0]+0.5*std*(rng.Float64()-0.5), means[3][1]+0.5*std*(rng.Float64()-0.5))
	}
	prec, rec, err := ModeCoverage(x, 2, means, std)
	if err != nil {
		t.Fatal(err)
	}
	if prec != 1 || rec != 1.0/k {
		t.Errorf("precision %v recall %v, want 1 and %v", prec, rec, 1.0/k)
	}
}

// TestModeCoverageThreshold checks the recall threshold max(1, ⌈0.1·n/K⌉)
// exactly: with n = 100 samples and K = 4 modes the threshold is 3; modes
// holding 90, 3, 2 and 1 precise samples give recall 2/4. Four far-away
// samples lower precision to 96/100 without affecting recall.
func TestModeCoverageThreshold(t *testing.T) {
	means := [][]float64{{0}, {10}, {20}, {30}}
	var x []float64
	add := func(v float64, c int) {
		for range c {
			x = append(x, v)
		}
	}
	add(0.5, 90)
	add(10, 3)
	add(20.2, 2)
	add(29.9, 1)
	add(5, 4) // 5 std from modes 0 and 10: not precise
	prec, rec, err := ModeCoverage(x, 1, means, 1)
	if err != nil {
		t.Fatal(err)
	}
	if prec != 0.96 || rec != 0.5 {
		t.Errorf("precision %v recall %v, want 0.96 and 0.5", prec, rec)
	}
}

// TestModeCoverageErrors checks that bad input is rejected with an error.
func TestModeCoverageErrors(t *testing.T) {
	means := [][]float64{{0, 0}, {1, 1}}
	good := []float64{0, 0, 1, 1}
	cases := []struct {
		name  string
		x     []float64
		dim   int
		means [][]float64
		std   float64
	}{
		{"NaN sample", []float64{0, math.NaN(), 1, 1}, 2, means, 1},
		{"dim mismatch with means", good, 1, means, 1},
		{"len not multiple of dim", []float64{0, 0, 1}, 2, means, 1},
		{"no means", good, 2, nil, 1},
		{"NaN mean", good, 2, [][]float64{{0, math.NaN()}}, 1},
		{"std zero", good, 2, means, 0},
		{"std NaN", good, 2, means, math.NaN()},
		{"dim zero", good, 0, means, 1},
	}
	for _, c := range cases {
		if _, _, err := ModeCoverage(c.x, c.dim, c.means, c.std); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
