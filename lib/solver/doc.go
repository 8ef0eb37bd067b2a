// Package solver integrates the probability-flow ODE of a VE/EDM diffusion,
//
//	dx/dt = (x − D(x, t)) / t,
//
// from a noise level tMax down to tMin with a denoiser D(x, t) ≈ E[x_0 | x_t = x]
// (x_t = x_0 + t·ε, noise level σ = t), and returns the whole trajectory. Points
// are row-major flat []float64 of length n·dim. Grids are descending in t.
//
// DPMSolverPP returns an error for malformed input. Euler, Heun and the grid
// constructors keep error-free signatures and panic instead; call Validate
// (or CheckGrid) first to get an error.
package solver
