// Package data provides the 2-D toy distributions used by the CMT
// experiments and, for the Gaussian mixture, the exact quantities a trained
// network is compared against.
//
// Time convention (EDM "VE"): the noise level is σ = t and a noisy point is
// x_t = x_0 + t·ε with ε ~ N(0, I). A denoiser D(x, t) approximates the
// posterior mean E[x_0 | x_t = x]. Batches of points are row-major flat
// []float64 slices of length n·dim.
package data
