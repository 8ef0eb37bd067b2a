package metrics

import (
	"math"
	"math/rand/v2"
)

// gaussianPoints returns n points of N(mean, std²·I) in len(mean) dimensions,
// as a row-major [n*len(mean)] slice.
func gaussianPoints(rng *rand.Rand, n int, mean []float64, std float64) []float64 {
	dim := len(mean)
	x := make([]float64, n*dim)
	for i := range n {
		for k := range dim {
			x[i*dim+k] = mean[k] + std*rng.NormFloat64()
		}
	}
	return x
}

// meanStd returns the sample mean and the sample standard deviation (n−1).
func meanStd(v []float64) (mean, sd float64) {
	for _, f := range v {
		mean += f
	}
	mean /= float64(len(v))
	for _, f := range v {
		sd += (f - mean) * (f - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}

func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x5eed))
}
