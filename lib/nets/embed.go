package nets

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// SinusoidalEmbedding maps a scalar per example, c [batch], to [batch, 2·numFreqs+1]: the raw value followed by
// sin(ω_k c) and cos(ω_k c) for numFreqs frequencies spaced geometrically in [minFreq, maxFreq] (radians per unit
// of c). With c = c_noise = ln(σ)/4 ∈ [-1.6, 1.1] over σ ∈ [0.002, 80], frequencies 0.5…32 resolve the whole range.
func SinusoidalEmbedding(c *Node, numFreqs int, minFreq, maxFreq float64) *Node {
	return Embedding(c, GeometricFreqs(numFreqs, minFreq, maxFreq))
}

// Embedding maps c [batch] to [batch, 2·len(freqs)+1]: c, then sin(ω_k c), then cos(ω_k c).
func Embedding(c *Node, freqs []float64) *Node {
	w := make([]float32, len(freqs))
	for k, f := range freqs {
		w[k] = float32(f)
	}
	col := ExpandAxes(c, -1)                            // [batch, 1]
	arg := Mul(col, ExpandAxes(Const(c.Graph(), w), 0)) // [batch, numFreqs]
	sin, cos := SinCos(arg)
	return Concatenate([]*Node{col, sin, cos}, -1) // [batch, 2·numFreqs+1]
}

// GeometricFreqs are n frequencies spaced geometrically from lo to hi (lo alone when n = 1).
func GeometricFreqs(n int, lo, hi float64) []float64 {
	return freqGrid(n, func(a float64) float64 { return lo * math.Pow(hi/lo, a) })
}

// LinearFreqs are n frequencies spaced evenly from lo to hi (lo alone when n = 1).
func LinearFreqs(n int, lo, hi float64) []float64 {
	return freqGrid(n, func(a float64) float64 { return lo + (hi-lo)*a })
}

// freqGrid is at(k/(n−1)) for k = 0..n−1 (at(0) when n = 1).
func freqGrid(n int, at func(a float64) float64) []float64 {
	f := make([]float64, n)
	for k := range f {
		a := 0.0
		if n > 1 {
			a = float64(k) / float64(n-1)
		}
		f[k] = at(a)
	}
	return f
}
