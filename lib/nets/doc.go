// Package nets holds the networks: backbones (the raw function F_θ) and the preconditioning that wraps them
// (EDM's c_skip, c_out, c_in, c_noise and the consistency-model boundary condition), kept apart as in EDM's code.
//
// Conventions: x is [batch, dim] float32; times are EDM noise levels σ = t (x_t = x₀ + t·ε), one per example,
// shaped [batch]. Every op used here is twice differentiable (plain MatMul + bias, x·sigmoid(x)), so a JVP can be
// taken as a double VJP (MeanFlow).
package nets
