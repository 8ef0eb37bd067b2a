package solver

// Trajectory is a solved PF-ODE path. Times [K] descend from the start noise
// level to the end one; States[k] [n·Dim] is the batch at Times[k], so
// States[0] is the start x_T and States[K−1] the clean end x̂_{t_0}. NFE is
// the number of denoiser calls spent.
type Trajectory struct {
	Dim    int
	Times  []float64
	States [][]float64
	NFE    int
}

// End returns the last state [n·Dim] (not a copy).
func (tr *Trajectory) End() []float64 { return tr.States[len(tr.States)-1] }

// N is the number of points per state.
func (tr *Trajectory) N() int {
	if tr.Dim == 0 || len(tr.States) == 0 {
		return 0
	}
	return len(tr.States[0]) / tr.Dim
}

// newTrajectory starts a trajectory at a copy of xT with room for the grid.
func newTrajectory(xT []float64, dim int, grid []float64) *Trajectory {
	tr := &Trajectory{
		Dim:    dim,
		Times:  append([]float64(nil), grid...),
		States: make([][]float64, 1, len(grid)),
	}
	tr.States[0] = append([]float64(nil), xT...)
	return tr
}

// DenoiseTo ends the trajectory with one denoising jump: it appends the state D(x_end, t_end) at time t (the
// trajectory's last state x_end at its last time t_end), at the cost of one NFE. It is the first-order
// DPM-Solver++ step from t_end to 0, taken early: a teacher whose denoiser leaves pixel noise below some σ (the
// MNIST MLP below σ ≈ 1, experiments/teachernoise) ends there instead of integrating through it. t is the time the
// new state is filed at (σ_min: it stands for the clean end).
func (tr *Trajectory) DenoiseTo(d Denoiser, t float64) {
	end := tr.Times[len(tr.States)-1]
	tr.States = append(tr.States, d.Denoise(tr.End(), tr.Dim, end))
	tr.Times = append(tr.Times[:len(tr.States)-1], t)
	tr.NFE++
}
