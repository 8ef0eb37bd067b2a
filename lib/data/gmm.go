package data

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Project defaults for the 8-Gaussian mixture returned by ByName("gmm8").
const (
	// DefaultRadius is the radius of the circle carrying the 8 modes.
	DefaultRadius = 1.0
	// DefaultStd is the per-coordinate standard deviation of every mode.
	DefaultStd = 0.1
)

// GMM is an isotropic Gaussian mixture p_0 = Σ_k w_k N(μ_k, Std²·I).
//
// Means holds K component means, each of length Dim(). Std is the common
// per-coordinate standard deviation (same units as the points). Weights
// holds K non-negative mixing weights, normalised internally; nil means
// equal weights. Label, when non-empty, is returned by Name; otherwise the
// name is "gmm<K>". Build with NewGMM (which validates) or EightGaussians;
// methods on an invalid GMM, or with a dim that is not Dim(), panic.
type GMM struct {
	Means   [][]float64
	Std     float64
	Weights []float64
	Label   string
}

// NewGMM validates and returns a mixture. weights may be nil (equal weights).
func NewGMM(means [][]float64, std float64, weights []float64) (*GMM, error) {
	g := &GMM{Means: means, Std: std, Weights: weights}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}

// EightGaussians returns 8 equal-weight modes at angles 2πk/8 on a circle
// of the given radius, each with per-coordinate std std. The project default
// is EightGaussians(DefaultRadius, DefaultStd) = (1, 0.1).
func EightGaussians(radius, std float64) *GMM {
	means := make([][]float64, 8)
	for k := range means {
		a := 2 * math.Pi * float64(k) / 8
		means[k] = []float64{radius * math.Cos(a), radius * math.Sin(a)}
	}
	return &GMM{Means: means, Std: std, Label: NameGMM8}
}

// Validate reports whether the mixture is well formed: at least one mean,
// all means of equal positive length and finite, Std finite and ≥ 0, and
// Weights either nil or K finite non-negative numbers with a positive sum.
func (g *GMM) Validate() error {
	if g == nil || len(g.Means) == 0 {
		return errors.New("data: GMM needs at least one mean")
	}
	d := len(g.Means[0])
	if d == 0 {
		return errors.New("data: GMM means must have positive length")
	}
	for k, m := range g.Means {
		if len(m) != d {
			return fmt.Errorf("data: GMM mean %d has length %d, want %d", k, len(m), d)
		}
		for _, v := range m {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("data: GMM mean %d is not finite", k)
			}
		}
	}
	if !(g.Std >= 0) || math.IsInf(g.Std, 0) {
		return fmt.Errorf("data: GMM std %v must be finite and ≥ 0", g.Std)
	}
	if g.Weights != nil {
		if len(g.Weights) != len(g.Means) {
			return fmt.Errorf("data: GMM has %d weights for %d means", len(g.Weights), len(g.Means))
		}
		sum := 0.0
		for k, w := range g.Weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return fmt.Errorf("data: GMM weight %d = %v must be finite and ≥ 0", k, w)
			}
			sum += w
		}
		if !(sum > 0) {
			return errors.New("data: GMM weights must have a positive sum")
		}
	}
	return nil
}

// mustValid panics with the Validate error; used by methods whose
// signatures (fixed by the Dataset and Denoiser interfaces) cannot return one.
func (g *GMM) mustValid() {
	if err := g.Validate(); err != nil {
		panic(err)
	}
}

// Name returns Label, or "gmm<K>" when Label is empty.
func (g *GMM) Name() string {
	if g.Label != "" {
		return g.Label
	}
	return fmt.Sprintf("gmm%d", len(g.Means))
}

// Dim is the length of each mean.
func (g *GMM) Dim() int {
	if len(g.Means) == 0 {
		return 0
	}
	return len(g.Means[0])
}

// K is the number of components.
func (g *GMM) K() int { return len(g.Means) }

// weights returns the normalised mixing weights [K].
func (g *GMM) weights() []float64 {
	K := len(g.Means)
	w := make([]float64, K)
	if g.Weights == nil {
		for k := range w {
			w[k] = 1 / float64(K)
		}
		return w
	}
	sum := 0.0
	for _, v := range g.Weights {
		sum += v
	}
	for k, v := range g.Weights {
		w[k] = v / sum
	}
	return w
}

// Modes returns copies of the component means [K][Dim], for mode-coverage
// metrics.
func (g *GMM) Modes() [][]float64 {
	out := make([][]float64, len(g.Means))
	for k, m := range g.Means {
		out[k] = append([]float64(nil), m...)
	}
	return out
}

// ModeStd is the per-coordinate std of every mode (= Std).
func (g *GMM) ModeStd() float64 { return g.Std }

// Sample draws n points [n·Dim()]: a component by weight, then μ_k + Std·ε.
func (g *GMM) Sample(rng *rand.Rand, n int) []float64 {
	g.mustValid()
	if n <= 0 {
		return []float64{}
	}
	d := g.Dim()
	w := g.weights()
	cum := make([]float64, len(w))
	acc := 0.0
	for k, v := range w {
		acc += v
		cum[k] = acc
	}
	out := make([]float64, n*d)
	for i := 0; i < n; i++ {
		u := rng.Float64() * acc
		k := 0
		for k < len(cum)-1 && u >= cum[k] {
			k++
		}
		row := out[i*d : (i+1)*d]
		for j := range row {
			row[j] = g.Means[k][j] + g.Std*rng.NormFloat64()
		}
	}
	return out
}
