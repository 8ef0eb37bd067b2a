//go:build !goexperiment.simd

package metrics

// dist2Sum is Σ_j √((p0 − bx_j)² + (p1 − by_j)²); built without GOEXPERIMENT=simd it is the scalar loop.
func dist2Sum(p0, p1 float64, bx, by []float64) float64 { return dist2SumScalar(p0, p1, bx, by) }
