package data

import (
	"math"
	"math/rand/v2"
	"testing"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// meanSE returns the empirical mean and its standard error of vals.
func meanSE(vals []float64) (mean, se float64) {
	n := float64(len(vals))
	for _, v := range vals {
		mean += v
	}
	mean /= n
	ss := 0.0
	for _, v := range vals {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / (n - 1) / n)
}

func assertFinite(t *testing.T, what string, v []float64) {
	t.Helper()
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("%s[%d] = %v, want finite", what, i, x)
		}
	}
}

// testPoints is a fixed batch of 2-D points: on the modes, between modes, at
// the origin and moderately far away.
func testPoints() []float64 {
	return []float64{
		1, 0,
		0.7071, 0.7071,
		0.92, 0.38, // between two modes
		0, 0,
		-0.3, 1.4,
		2.5, -1.7,
		-4, 3,
	}
}
