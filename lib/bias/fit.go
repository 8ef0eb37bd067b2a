package bias

import (
	"fmt"
	"math"
)

// Slope is a least-squares power law y ≈ C·x^Slope fitted on log–log axes.
//
// SEFit is the classical standard error of the slope from the scatter of the points about the line (it also
// absorbs any departure from a pure power law); SEMC propagates each point's Monte Carlo error (relative error
// σ_i/y_i, treated as independent) through the same fit; SE = √(SEFit² + SEMC²) is the one to quote.
type Slope struct {
	Slope     float64 `json:"slope"`
	Intercept float64 `json:"log_intercept"` // ln C
	SE        float64 `json:"se"`
	SEFit     float64 `json:"se_fit"`
	SEMC      float64 `json:"se_mc"`
	N         int     `json:"points"`
}

// FitSlope fits ln y = ln C + Slope·ln x by ordinary least squares over the points with x, y > 0; ySE are the
// Monte Carlo standard errors of y (nil: none). It needs at least 3 usable points.
func FitSlope(x, y, ySE []float64) (Slope, error) {
	var lx, ly, rel []float64
	for i := range x {
		if x[i] > 0 && y[i] > 0 && !math.IsInf(y[i], 0) {
			lx = append(lx, math.Log(x[i]))
			ly = append(ly, math.Log(y[i]))
			r := 0.0
			if ySE != nil {
				r = ySE[i] / y[i]
			}
			rel = append(rel, r)
		}
	}
	n := len(lx)
	if n < 3 {
		return Slope{}, fmt.Errorf("bias: slope fit needs ≥ 3 positive points, has %d", n)
	}
	var mx, my float64
	for i := range lx {
		mx += lx[i] / float64(n)
		my += ly[i] / float64(n)
	}
	var sxx, sxy float64
	for i := range lx {
		sxx += (lx[i] - mx) * (lx[i] - mx)
		sxy += (lx[i] - mx) * (ly[i] - my)
	}
	b := sxy / sxx
	a := my - b*mx
	var rss, vmc float64
	for i := range lx {
		e := ly[i] - a - b*lx[i]
		rss += e * e
		w := (lx[i] - mx) / sxx
		vmc += w * w * rel[i] * rel[i]
	}
	s := Slope{Slope: b, Intercept: a, N: n, SEFit: math.Sqrt(rss / float64(n-2) / sxx), SEMC: math.Sqrt(vmc)}
	s.SE = math.Hypot(s.SEFit, s.SEMC)
	return s, nil
}
