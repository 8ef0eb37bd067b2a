// Package flowmap is stage 3, flow-map post-training — ECT, ECD, iCT, MeanFlow and Lagrangian map distillation — on
// one flow-map API, Ψ_θ(x, t, s) = x − (t − s)·h_θ(x, t, s) (a consistency model is the map to s = 0), with the
// 1-step, 2-step and N-step samplers.
package flowmap
