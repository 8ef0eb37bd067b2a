package data

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Dataset is a distribution of points in R^Dim() that can be sampled.
type Dataset interface {
	// Name is the short identifier accepted by ByName.
	Name() string
	// Dim is the dimension of one point.
	Dim() int
	// Sample draws n points; the result is row-major of length n·Dim().
	// n ≤ 0 gives an empty slice.
	Sample(rng *rand.Rand, n int) []float64
}

// Names lists the datasets ByName knows, in a fixed order.
func Names() []string {
	return []string{NameGMM8, NameMoons, NameCheckerboard, NameSpirals}
}

// Dataset names accepted by ByName.
const (
	NameGMM8         = "gmm8"
	NameMoons        = "moons"
	NameCheckerboard = "checkerboard"
	NameSpirals      = "spirals"
)

// ByName returns the project's default instance of a named dataset:
// "gmm8" is EightGaussians(DefaultRadius, DefaultStd), "moons" is
// TwoMoons(DefaultMoonsNoise), "checkerboard" is Checkerboard() and
// "spirals" is Spirals(DefaultSpiralsNoise).
func ByName(name string) (Dataset, error) {
	switch name {
	case NameGMM8:
		return EightGaussians(DefaultRadius, DefaultStd), nil
	case NameMoons:
		return TwoMoons(DefaultMoonsNoise), nil
	case NameCheckerboard:
		return Checkerboard(), nil
	case NameSpirals:
		return Spirals(DefaultSpiralsNoise), nil
	}
	return nil, fmt.Errorf("data: unknown dataset %q (valid names: %s)", name, strings.Join(Names(), ", "))
}

// gaussianJitter adds noise·N(0,1) to every coordinate of pts in place.
func gaussianJitter(rng *rand.Rand, pts []float64, noise float64) {
	if noise == 0 {
		return
	}
	for i := range pts {
		pts[i] += noise * rng.NormFloat64()
	}
}
