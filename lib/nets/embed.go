package nets

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// SinusoidalEmbedding maps a scalar per example, c [batch], to [batch, 2·numFreqs+1]: the raw value followed by
// sin(ω_k c) and cos(ω_k c) for numFreqs frequencies spaced geometrically in [minFreq, maxFreq] (radians per unit
// of c). With c = c_noise = ln(σ)/4 ∈ [-1.6, 1.1] over σ ∈ [0.002, 80], frequencies 0.5…32 resolve the whole range.
func SinusoidalEmbedding(c *Node, numFreqs int, minFreq, maxFreq float64) *Node {
	g := c.Graph()
	freqs := make([]float32, numFreqs)
	for k := range freqs {
		a := 0.0
		if numFreqs > 1 {
			a = float64(k) / float64(numFreqs-1)
		}
		freqs[k] = float32(minFreq * math.Pow(maxFreq/minFreq, a))
	}
	col := ExpandAxes(c, -1)                                 // [batch, 1]
	arg := Mul(col, ExpandAxes(Const(g, freqs), 0))          // [batch, numFreqs]
	return Concatenate([]*Node{col, Sin(arg), Cos(arg)}, -1) // [batch, 2·numFreqs+1]
}
