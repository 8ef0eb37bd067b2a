// Package diffusion is stage 1, pre-training the teacher: EDM's denoising objective.
package diffusion
