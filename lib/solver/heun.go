package solver

// Heun integrates the PF-ODE over grid [K] from xT [n·dim] with EDM's
// deterministic second-order Heun method (EDM Algorithm 1 without churn):
// an Euler predictor x̃ = x + (t_{i+1} − t_i)·d_i with d_i = (x − D(x, t_i))/t_i,
// then the trapezoidal corrector x' = x + (t_{i+1} − t_i)·(d_i + d̃)/2 with
// d̃ = (x̃ − D(x̃, t_{i+1}))/t_{i+1}. The corrector is skipped when
// t_{i+1} = 0. NFE = 2 per step (1 for a step ending at 0). It panics on
// input that Validate rejects or on a denoiser returning the wrong length.
func Heun(d Denoiser, xT []float64, dim int, grid []float64) *Trajectory {
	if err := Validate(xT, dim, grid); err != nil {
		panic(err)
	}
	tr := newTrajectory(xT, dim, grid)
	x := tr.States[0]
	slope := make([]float64, len(x))
	for i := 0; i+1 < len(grid); i++ {
		t, next := grid[i], grid[i+1]
		dt := next - t
		den, err := evaluate(d, x, dim, t)
		if err != nil {
			panic(err)
		}
		tr.NFE++
		y := make([]float64, len(x))
		for j := range y {
			slope[j] = (x[j] - den[j]) / t
			y[j] = x[j] + dt*slope[j]
		}
		if next != 0 {
			den2, err := evaluate(d, y, dim, next)
			if err != nil {
				panic(err)
			}
			tr.NFE++
			for j := range y {
				y[j] = x[j] + dt*0.5*(slope[j]+(y[j]-den2[j])/next)
			}
		}
		tr.States = append(tr.States, y)
		x = y
	}
	return tr
}
