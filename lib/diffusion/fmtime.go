package diffusion

import (
	"fmt"

	"github.com/gocmt/cmt/lib/solver"
)

// Flow-matching time and EDM time. The flow-matching path z_t = (1 − t)·x₀ + t·ε is the EDM ("VE") path
// x_σ = x₀ + σ·ε scaled by 1 − t, with σ = t/(1 − t):
//
//	z_t = (1 − t)·x_σ,   σ = t/(1 − t),   t = σ/(1 + σ),
//
// so both have the same log-SNR λ = −ln σ and the same posterior mean E[x₀ | ·], and a flow-matching trajectory is
// a rescaled EDM trajectory. These functions are the one place that converts between the two conventions.

// FMToVE is σ = t/(1 − t) (t < 1).
func FMToVE(t float64) float64 { return t / (1 - t) }

// VEToFM is t = σ/(1 + σ).
func VEToFM(sigma float64) float64 { return sigma / (1 + sigma) }

// VelocityFunc is a flow-matching velocity on the host: v(z, t) for z [n·dim] at one time t → [n·dim].
type VelocityFunc func(z []float64, dim int, t float64) []float64

// FMDenoiser reads a flow-matching velocity as an EDM denoiser: at noise level σ the point x is z = x/(1 + σ) at
// t = σ/(1 + σ), and D(x, σ) = E[x₀ | z] = z − t·v(z, t). EDM's solvers then integrate the flow-matching ODE.
func FMDenoiser(v VelocityFunc) solver.DenoiserFunc {
	return func(x []float64, dim int, sigma float64) []float64 {
		t := VEToFM(sigma)
		z := make([]float64, len(x))
		for i, xi := range x {
			z[i] = xi / (1 + sigma)
		}
		vel := v(z, dim, t)
		for i := range z {
			z[i] -= t * vel[i]
		}
		return z
	}
}

// FMTrajectory solves a flow-matching teacher's ODE dz/dt = v(z, t) from pure noise z₁ = ε [n·dim] at t = 1 down
// the EDM grid veGrid (descending σ, finite; it may end at 0) and returns the trajectory on flow-matching time:
// Times[0] = 1 with States[0] = ε, then t_k = σ_k/(1 + σ_k) with z_k = x_k/(1 + σ_k).
//
// The first step, from t = 1 to t₁ = VEToFM(veGrid[0]), is one Euler step z = ε + (t₁ − 1)·v(ε, 1) (on the
// flow-matching path this is also the DDIM step; with veGrid[0] = 80 it spans Δt = 1/81); in EDM units it starts
// the solver at x = 80·ε + x̂₀(ε) with x̂₀ = ε − v(ε, 1) the teacher's clean estimate. Then solve (e.g. 16 steps of
// DPM-Solver++ on the log-SNR grid) runs on EDM time with FMDenoiser(v). NFE counts both.
func FMTrajectory(v VelocityFunc, eps []float64, dim int, veGrid []float64,
	solve func(d solver.Denoiser, xT []float64, grid []float64) (*solver.Trajectory, error)) (*solver.Trajectory, error) {
	if err := solver.Validate(eps, dim, veGrid); err != nil {
		return nil, err
	}
	s0 := veGrid[0]
	t1 := VEToFM(s0)
	v1 := v(eps, dim, 1)
	if len(v1) != len(eps) {
		return nil, fmt.Errorf("diffusion: the velocity returned %d values for %d", len(v1), len(eps))
	}
	xT := make([]float64, len(eps))
	for i := range eps {
		xT[i] = (eps[i] + (t1-1)*v1[i]) * (1 + s0)
	}
	ve, err := solve(FMDenoiser(v), xT, veGrid)
	if err != nil {
		return nil, err
	}
	tr := &solver.Trajectory{Dim: dim, NFE: ve.NFE + 1, Times: []float64{1}, States: [][]float64{append([]float64(nil), eps...)}}
	for k, sigma := range ve.Times {
		z := make([]float64, len(ve.States[k]))
		for i, x := range ve.States[k] {
			z[i] = x / (1 + sigma)
		}
		tr.Times = append(tr.Times, VEToFM(sigma))
		tr.States = append(tr.States, z)
	}
	return tr, nil
}
