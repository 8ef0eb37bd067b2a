package flowmap

// Func is a consistency function on the host: f(x, t) for x [n·dim] row-major at one time t, → [n·dim].
type Func func(x []float64, dim int, t float64) []float64

// OneStep is the 1-step sampler x = f(T·z, T); z is [n·dim] standard normal noise.
func OneStep(f Func, z []float64, dim int, tMax float64) []float64 {
	x := make([]float64, len(z))
	for i, v := range z {
		x[i] = tMax * v
	}
	return f(x, dim, tMax)
}

// TwoStep is the 2-step sampler of the CMT/ECT code: x = f(T·z, T), then x = f(x + t_mid·z₂, t_mid) with fresh
// noise z₂ (no √(t_mid² − σ_min²) correction, as in the official code).
func TwoStep(f Func, z, z2 []float64, dim int, tMax, tMid float64) []float64 {
	x := OneStep(f, z, dim, tMax)
	for i := range x {
		x[i] += tMid * z2[i]
	}
	return f(x, dim, tMid)
}
