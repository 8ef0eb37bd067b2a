package data

import (
	"math"
	"math/rand/v2"
)

// DefaultSpiralsNoise is the jitter std used by ByName("spirals").
const DefaultSpiralsNoise = 0.05

// Spiral geometry: each arm turns SpiralTurns·2π radians and ends at radius
// SpiralRadius, which gives a per-coordinate std of ≈ 1 before jitter.
const (
	SpiralTurns  = 1.5
	SpiralRadius = 2.0
)

type spirals struct{ noise float64 }

// Spirals returns two interleaved Archimedean spirals: θ = Θ·√u with
// u ~ U[0, 1] and Θ = 2π·SpiralTurns (so points are roughly uniform in arc
// length), the point SpiralRadius·(θ/Θ)·(cos θ, sin θ), negated for the
// second arm with probability ½. noise is the std of the Gaussian jitter
// added afterwards, in the final units. Dim 2, mean 0, per-coordinate
// std ≈ 1 before jitter.
func Spirals(noise float64) Dataset { return &spirals{noise: noise} }

func (s *spirals) Name() string { return NameSpirals }
func (s *spirals) Dim() int     { return 2 }

func (s *spirals) Sample(rng *rand.Rand, n int) []float64 {
	if n <= 0 {
		return []float64{}
	}
	full := 2 * math.Pi * SpiralTurns
	out := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		f := math.Sqrt(rng.Float64())
		th := full * f
		r := SpiralRadius * f
		if rng.IntN(2) == 1 {
			r = -r
		}
		out[2*i] = r * math.Cos(th)
		out[2*i+1] = r * math.Sin(th)
	}
	gaussianJitter(rng, out, s.noise)
	return out
}
