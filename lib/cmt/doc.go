// Package cmt is the paper's contribution, stage 2: consistency mid-training. The teacher's PF-ODE is solved from
// x_T with M steps (DPM-Solver++ on the log-SNR grid by default), and the student is regressed from every
// non-final trajectory point onto the trajectory's clean end:
//
//	L_CMT(θ) = E_{x_T} E_i d( f_θ(x̂_{t_i}, t_i), x̂_{t_0} ),   i = 1..M (t_M = T, t_0 = t_min)
//
// with no stop-gradient, no time weighting and no schedule: the targets are fixed numbers.
package cmt
