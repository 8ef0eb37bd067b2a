package data

import "math/rand/v2"

// CheckerboardScale maps the raw board [−2, 2]² to [−√3, √3]², which makes
// every coordinate uniform with variance exactly 1.
const CheckerboardScale = 0.8660254037844386 // √3/2

type checkerboard struct{}

// Checkerboard returns the 4×4 board of unit squares on [−2, 2]² with the
// 8 squares whose row+column index is even filled, uniform inside a square
// chosen uniformly; points are then multiplied by CheckerboardScale. Dim 2,
// mean 0, per-coordinate std 1, cov(x, y) = 0.1875.
func Checkerboard() Dataset { return checkerboard{} }

func (checkerboard) Name() string { return NameCheckerboard }
func (checkerboard) Dim() int     { return 2 }

func (checkerboard) Sample(rng *rand.Rand, n int) []float64 {
	if n <= 0 {
		return []float64{}
	}
	out := make([]float64, 2*n)
	for i := 0; i < n; i++ {
		cell := rng.IntN(8) // 2 filled squares in each of the 4 columns
		col := cell / 2
		row := 2*(cell%2) + col%2 // keeps row+col even
		out[2*i] = (float64(col) - 2 + rng.Float64()) * CheckerboardScale
		out[2*i+1] = (float64(row) - 2 + rng.Float64()) * CheckerboardScale
	}
	return out
}
