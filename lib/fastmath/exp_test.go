package fastmath

import (
	"math"
	"testing"
)

// Exp against math.Exp on [−740, 709]: relative error ≤ 1e-15 (a few ulp; the Taylor truncation is < 1e-16).
func TestExpPure(t *testing.T) {
	var worst float64
	for x := -740.0; x < 709; x += 0.0731 {
		want := math.Exp(x)
		worst = math.Max(worst, math.Abs(Exp(x)-want)/want)
	}
	if worst > 1e-15 {
		t.Errorf("Exp: max relative error %.2e > 1e-15", worst)
	}
	if Exp(-800) != 0 || !math.IsInf(Exp(800), 1) || !math.IsNaN(Exp(math.NaN())) {
		t.Error("Exp: wrong limits")
	}
}
