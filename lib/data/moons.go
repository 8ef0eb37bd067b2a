package data

import (
	"math"
	"math/rand/v2"
)

// DefaultMoonsNoise is the jitter std used by ByName("moons").
const DefaultMoonsNoise = 0.05

// MoonsScale multiplies the centred raw moons; it makes the x-coordinate
// std exactly 1 (raw var 3/4). The y-coordinate std is then ≈ 0.571.
const MoonsScale = 1.1547005383792515 // 2/√3

type moons struct{ noise float64 }

// TwoMoons returns the two interleaving half circles: with θ ~ U[0, π], the
// upper moon (cos θ, sin θ) and the lower moon (1 − cos θ, ½ − sin θ), each
// with probability ½, centred by subtracting (½, ¼) — the exact mean — and
// multiplied by MoonsScale. noise is the std of the Gaussian jitter added
// afterwards, in the final units (its sign is irrelevant). Dim 2, mean 0,
// per-coordinate std ≈ (1, 0.571) before jitter.
func TwoMoons(noise float64) Dataset { return &moons{noise: noise} }

func (m *moons) Name() string { return NameMoons }
func (m *moons) Dim() int     { return 2 }

func (m *moons) Sample(rng *rand.Rand, n int) []float64 {
	if n <= 0 {
		return []float64{}
	}
	out := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		th := math.Pi * rng.Float64()
		c, s := math.Cos(th), math.Sin(th)
		x, y := c, s
		if rng.IntN(2) == 1 {
			x, y = 1-c, 0.5-s
		}
		out[2*i] = (x - 0.5) * MoonsScale
		out[2*i+1] = (y - 0.25) * MoonsScale
	}
	gaussianJitter(rng, out, m.noise)
	return out
}
