package bias

import (
	"math"
	"testing"
)

// Accum's estimates against hand computation on three batches of 2-vectors: v₁ = (1, 0), v₂ = (3, 0), v₃ = (2, 3)
// → mean (2, 1), ‖mean‖ = √5; tr Cov = [(1+1+0) + (1+1+4)]/2 = 4, SE = √(4/3); combo v − 2·v (= −v) has the same
// SE and norm. Exact to 1e-12.
func TestAccumMeasure(t *testing.T) {
	a := NewAccum(2, 2, []Combo{{{0, 1}}, {{0, 1}, {1, -2}}})
	for _, v := range [][]float64{{1, 0}, {3, 0}, {2, 3}} {
		if err := a.Add([][]float64{v, v}); err != nil {
			t.Fatal(err)
		}
	}
	for c := 0; c < 2; c++ {
		m := a.Measure(c)
		if math.Abs(m.Norm-math.Sqrt(5)) > 1e-12 || math.Abs(m.SE-math.Sqrt(4.0/3)) > 1e-12 ||
			math.Abs(m.Debiased-math.Sqrt(5-4.0/3)) > 1e-12 {
			t.Errorf("combo %d: %+v, want norm √5, SE √(4/3)", c, m)
		}
	}
	if err := a.Add([][]float64{{1, 2}}); err == nil {
		t.Error("a batch with a missing channel should fail")
	}
	if c := Cosine([]float64{1, 0}, []float64{1, 1}); math.Abs(c-1/math.Sqrt2) > 1e-15 {
		t.Errorf("cosine %v", c)
	}
}

// FitSlope recovers an exact power law (slope −1.5 to 1e-12, zero fit error) and, for y = x²·(1 ± 5% alternating),
// a slope within its quoted SE·3 of 2.
func TestFitSlope(t *testing.T) {
	x := []float64{1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2, 3.2e-2}
	y := make([]float64, len(x))
	for i := range x {
		y[i] = 3 * math.Pow(x[i], -1.5)
	}
	s, err := FitSlope(x, y, nil)
	if err != nil || math.Abs(s.Slope+1.5) > 1e-12 || s.SEFit > 1e-10 {
		t.Errorf("exact power law: %+v, %v", s, err)
	}
	se := make([]float64, len(x))
	for i := range x {
		y[i] = x[i] * x[i] * (1 + 0.05*float64(1-2*(i%2)))
		se[i] = 0.05 * y[i]
	}
	if s, err = FitSlope(x, y, se); err != nil || math.Abs(s.Slope-2) > 3*s.SE || s.SEMC <= 0 {
		t.Errorf("noisy x²: %+v, %v", s, err)
	}
	if _, err := FitSlope([]float64{1, 2}, []float64{1, 2}, nil); err == nil {
		t.Error("two points should be refused")
	}
}

// The spine's Δt/t: (1 + 8·sigmoid(−t))/q, e.g. 5/q at t = 0 and → 1/q at large t (formula of lib/flowmap ECT.R).
func TestSpineRho(t *testing.T) {
	if r := SpineRho(0, 1024); math.Abs(r-5.0/1024) > 1e-15 {
		t.Errorf("t=0: %v", r)
	}
	if r := SpineRho(0.4, 1024); math.Abs(r-(1+8/(1+math.Exp(0.4)))/1024) > 1e-15 {
		t.Errorf("t=0.4: %v", r)
	}
}
