package solver

import "fmt"

// Denoiser is anything that maps a batch x [n·dim] at noise level t to its
// denoised estimate D(x, t) [n·dim], e.g. an exact mixture posterior mean or
// a trained network.
type Denoiser interface {
	Denoise(x []float64, dim int, t float64) []float64
}

// DenoiserFunc adapts a plain function to Denoiser.
type DenoiserFunc func(x []float64, dim int, t float64) []float64

// Denoise calls f.
func (f DenoiserFunc) Denoise(x []float64, dim int, t float64) []float64 { return f(x, dim, t) }

// evaluate calls d and checks that the result has the length of x.
func evaluate(d Denoiser, x []float64, dim int, t float64) ([]float64, error) {
	out := d.Denoise(x, dim, t)
	if len(out) != len(x) {
		return nil, fmt.Errorf("solver: denoiser returned %d values for %d at t=%g", len(out), len(x), t)
	}
	return out, nil
}
