package cmt

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/solver"
)

// With the analytic 8-Gaussian mixture as a perfect teacher, CMT's targets x̂_{t_0} must equal the exact flow map
// Ψ_{T→t_min}(x_T) up to the solver's own error. The reference Ψ is a 4096-step Heun solve with the same exact
// denoiser (converged to < 1e-5 in lib/solver's tests). Tolerance: RMS ≤ 0.02 and max ≤ 0.06, the measured
// 16-step DPM-Solver++(3) error on this mixture being 1.1e-2 RMS (a tenth of the mode std 0.1); every pair's
// target must be its own trajectory's end, bit for bit.
func TestTargetsAreExactFlowMapUpToSolverError(t *testing.T) {
	gmm := data.EightGaussians(data.DefaultRadius, data.DefaultStd)
	rng := rand.New(rand.NewPCG(1, 2))
	n, dim := 256, 2
	xT := make([]float64, n*dim)
	for i := range xT {
		xT[i] = 80 * rng.NormFloat64()
	}
	tr, err := solver.DPMSolverPP(gmm, xT, dim, solver.LogSNRGrid(80, 0.002, 16), 3, true)
	if err != nil {
		t.Fatal(err)
	}
	ref := solver.Heun(gmm, xT, dim, solver.LogSNRGrid(80, 0.002, 4096)).End()
	p, err := FromTrajectory(tr)
	if err != nil {
		t.Fatal(err)
	}
	if p.N() != 16*n {
		t.Fatalf("want 16 pairs per trajectory (all non-final states), got %d for %d trajectories", p.N(), n)
	}
	var sum, worst float64
	for k := 0; k < p.N(); k++ {
		i := k % n // pairs are laid out state by state
		for d := 0; d < dim; d++ {
			if float64(p.Target[k*dim+d]) != float64(float32(tr.End()[i*dim+d])) {
				t.Fatalf("pair %d: target is not its trajectory's clean end", k)
			}
			e := float64(p.Target[k*dim+d]) - ref[i*dim+d]
			sum += e * e
			worst = math.Max(worst, math.Abs(e))
		}
		if want := float32(tr.Times[k/n]); p.T[k] != want {
			t.Fatalf("pair %d: time %v, want %v", k, p.T[k], want)
		}
	}
	rms := math.Sqrt(sum / float64(p.N()))
	t.Logf("CMT targets vs exact flow map: RMS %.2e, max %.2e", rms, worst)
	if rms > 0.02 || worst > 0.06 {
		t.Fatalf("targets too far from the exact flow map: RMS %.3g max %.3g", rms, worst)
	}
}
