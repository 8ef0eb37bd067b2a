package solver

// Euler integrates the PF-ODE over grid [K] from xT [n·dim] at grid[0] with
// the explicit Euler step x' = x + (t_{i+1} − t_i)·(x − D(x, t_i))/t_i.
// It costs one denoiser call per step (NFE = K − 1). It panics on input that
// Validate rejects or on a denoiser returning the wrong length.
func Euler(d Denoiser, xT []float64, dim int, grid []float64) *Trajectory {
	if err := Validate(xT, dim, grid); err != nil {
		panic(err)
	}
	tr := newTrajectory(xT, dim, grid)
	x := tr.States[0]
	for i := 0; i+1 < len(grid); i++ {
		t, next := grid[i], grid[i+1]
		den, err := evaluate(d, x, dim, t)
		if err != nil {
			panic(err)
		}
		tr.NFE++
		dt := next - t
		y := make([]float64, len(x))
		for j := range y {
			y[j] = x[j] + dt*(x[j]-den[j])/t
		}
		tr.States = append(tr.States, y)
		x = y
	}
	return tr
}
