package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// modeRadius is the radius, in units of the mode std, within which a sample
// counts as belonging to its nearest mode.
const modeRadius = 3

// modeShare is the fraction of its fair share of precise samples that a mode
// must receive to count as covered.
const modeShare = 0.1

// ChiWithin returns P(|Z| ≤ k) for Z ~ N(0, I_dim), the probability that a
// standard Gaussian in dim dimensions lies within k standard deviations of
// its mean. It is the chi distribution CDF with dim degrees of freedom,
// P(χ²_dim ≤ k²) = P(dim/2, k²/2) with P the regularized lower incomplete
// gamma function (mathext.GammaIncReg). For dim = 1 it is erf(k/√2), for
// dim = 2 it is 1 − exp(−k²/2). It returns 0 for k ≤ 0 and NaN for
// dim <= 0 or k NaN.
func ChiWithin(k float64, dim int) float64 {
	if dim <= 0 || math.IsNaN(k) {
		return math.NaN()
	}
	if k <= 0 {
		return 0
	}
	if math.IsInf(k, 1) {
		return 1
	}
	return mathext.GammaIncReg(float64(dim)/2, k*k/2)
}

// ModeCoverage scores samples x, of shape [n*dim] (row-major), against an
// isotropic Gaussian mixture whose K = len(means) modes have the given means
// (each of length dim) and common standard deviation std.
//
// Each sample is assigned to its nearest mode (Euclidean distance). A sample
// is precise when that distance is at most 3·std.
//
//   - precision is the fraction of samples that are precise. A perfect
//     sampler scores ChiWithin(3, dim) — 1 − exp(−9/2) ≈ 0.9889 in 2D,
//     erf(3/√2) ≈ 0.9973 in 1D — plus a negligible excess when modes are
//     many std apart (a sample may also fall within 3·std of another mode).
//   - recall is the fraction of modes that are the nearest mode of at least
//     max(1, ⌈0.1·n/K⌉) precise samples, i.e. a mode counts as hit when it
//     receives at least 10% of its fair share n/K. A perfect sampler with
//     equal weights scores 1; a sampler that collapses onto one mode scores
//     1/K.
//
// It returns an error for bad samples (see EnergyDistance), for no means, a
// mean whose length is not dim, non-finite means, or std not positive and
// finite.
func ModeCoverage(x []float64, dim int, means [][]float64, std float64) (precision, recall float64, err error) {
	n, err := checkPoints("x", x, dim)
	if err != nil {
		return 0, 0, err
	}
	k := len(means)
	if k == 0 {
		return 0, 0, fmt.Errorf("metrics: no mode means")
	}
	for i, mu := range means {
		if len(mu) != dim {
			return 0, 0, fmt.Errorf("metrics: means[%d] has length %d, want dim=%d", i, len(mu), dim)
		}
		if err := checkFinite(fmt.Sprintf("means[%d]", i), mu); err != nil {
			return 0, 0, err
		}
	}
	if !(std > 0) || math.IsInf(std, 0) {
		return 0, 0, fmt.Errorf("metrics: std must be positive and finite, got %v", std)
	}

	r := modeRadius * std
	r2 := r * r
	hits := make([]int, k)
	precise := 0
	for i := range n {
		p := x[i*dim : (i+1)*dim]
		best, bestD2 := -1, math.Inf(1)
		for j, mu := range means {
			d2 := 0.0
			for c, v := range p {
				d := v - mu[c]
				d2 += d * d
			}
			if d2 < bestD2 {
				best, bestD2 = j, d2
			}
		}
		if bestD2 <= r2 {
			precise++
			hits[best]++
		}
	}

	need := max(1, int(math.Ceil(modeShare*float64(n)/float64(k))))
	covered := 0
	for _, h := range hits {
		if h >= need {
			covered++
		}
	}
	return float64(precise) / float64(n), float64(covered) / float64(k), nil
}
