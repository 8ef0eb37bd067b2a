//go:build goexperiment.simd

package metrics

import "simd"

// dist2Sum is Σ_j √((p0 − bx_j)² + (p1 − by_j)²) over the points (bx_j, by_j), a vector of pairs at a time (8
// with AVX-512): the square roots dominate, and the vector instruction takes 8 in about the time of 2 scalar
// ones. The lanes are summed in a fixed order, so the result is deterministic on one machine.
func dist2Sum(p0, p1 float64, bx, by []float64) float64 {
	vp0, vp1 := simd.BroadcastFloat64s(p0), simd.BroadcastFloat64s(p1)
	var acc simd.Float64s
	w := acc.Len()
	j := 0
	for ; j+w <= len(bx); j += w {
		dx := vp0.Sub(simd.LoadFloat64s(bx[j : j+w]))
		dy := vp1.Sub(simd.LoadFloat64s(by[j : j+w]))
		acc = acc.Add(dx.MulAdd(dx, dy.Mul(dy)).Sqrt())
	}
	var lanes [64]float64
	acc.Store(lanes[:w])
	s := 0.0
	for _, v := range lanes[:w] {
		s += v
	}
	return s + dist2SumScalar(p0, p1, bx[j:], by[j:])
}
