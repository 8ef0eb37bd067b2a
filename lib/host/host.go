// Package host converts between the host's float64 slices (solvers, metrics, data) and the float32 tensors the
// networks run on.
package host

import "github.com/gomlx/gomlx/core/tensors"

// Tensor returns a float32 tensor with the given dimensions holding x (row-major).
func Tensor(x []float64, dims ...int) *tensors.Tensor {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(y, dims...)
}

// Float64s copies a float32 tensor's values into a new float64 slice (row-major).
func Float64s(t *tensors.Tensor) []float64 {
	flat := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(flat))
	for i, v := range flat {
		out[i] = float64(v)
	}
	return out
}
