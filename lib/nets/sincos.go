package nets

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// SinCos returns sin x and cos x elementwise (same shape and dtype as x), computed with multiplications and
// additions only, so the pure-Go backend runs it with its SIMD kernels: its own Sin and Cos are scalar float64
// loops, about 3× slower per element (BenchmarkSinCos). Accurate to 3e-7 absolute for |x| ≤ 2000 in float32
// (TestSinCosAccuracy), a few float32 ulps; the time embeddings use |x| ≤ 1000.
//
// Method: x = k·π + r with k = round(x/π) and r ∈ [−π/2, π/2] (π split in three parts, so k·part is exact for
// |k| < 2¹⁰); sin r and cos r by their Taylor series to r¹³ and r¹² (remainders below 1e-8); then
// sin x = (−1)ᵏ sin r and cos x = (−1)ᵏ cos r. k is held constant under differentiation (it is piecewise
// constant), so first and second derivatives are those of sin and cos.
func SinCos(x *Node) (sin, cos *Node) {
	k := StopGradient(Round(MulScalar(x, 1/math.Pi)))
	r := x
	for _, part := range piParts {
		r = Sub(r, MulScalar(k, part))
	}
	// (−1)ᵏ = 1 − 2·(k − 2·⌊k/2⌋). GoMLX has no gradient for Floor, so the sign is held constant too.
	sign := StopGradient(AddScalar(MulScalar(Sub(k, MulScalar(Floor(MulScalar(k, 0.5)), 2)), -2), 1))
	r2 := Mul(r, r)
	sin = Mul(sign, Mul(r, horner(r2, sinTaylor)))
	cos = Mul(sign, horner(r2, cosTaylor))
	return sin, cos
}

// piParts sum to π: the first two have 13 significant bits, so their products with an integer k of up to 10 bits
// are exact in float32, and the last carries the remainder.
var piParts = func() [3]float64 {
	p1 := math.Round(math.Pi*(1<<11)) / (1 << 11)
	p2 := math.Round((math.Pi-p1)*(1<<24)) / (1 << 24)
	return [3]float64{p1, p2, math.Pi - p1 - p2}
}()

// sinTaylor and cosTaylor are the Taylor coefficients of sin(r)/r and cos(r) in powers of r²:
// (−1)ⁿ/(2n+1)! for n = 0..6 and (−1)ⁿ/(2n)! for n = 0..6.
var sinTaylor, cosTaylor = taylor(1, 7), taylor(0, 7)

func taylor(odd, n int) []float64 {
	c := make([]float64, n)
	f := 1.0
	for i := range c {
		if i > 0 {
			f *= -float64((2*i - 1 + odd) * (2*i + odd))
		}
		c[i] = 1 / f
	}
	return c
}

// horner evaluates Σ c[i]·yⁱ.
func horner(y *Node, c []float64) *Node {
	p := AddScalar(MulScalar(y, c[len(c)-1]), c[len(c)-2])
	for i := len(c) - 3; i >= 0; i-- {
		p = AddScalar(Mul(p, y), c[i])
	}
	return p
}
