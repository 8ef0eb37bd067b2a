// Package solver integrates the probability-flow ODE of a VE/EDM diffusion,
//
//	dx/dt = (x − D(x, t)) / t,
//
// from a noise level tMax down to tMin with a denoiser D(x, t) ≈ E[x_0 | x_t = x]
// (x_t = x_0 + t·ε, noise level σ = t), and returns the whole trajectory. Points
// are row-major flat []float64 of length n·dim. Grids are descending in t.
//
// Euler, Heun and DPMSolverPP panic on malformed input (their signatures,
// shared with callers, carry no error for Euler and Heun); call Validate first
// to get an error instead. DPMSolverPP returns errors.
package solver
