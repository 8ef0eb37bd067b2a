// Package bias measures the gradient bias of consistency post-training surrogates against an exact oracle — the
// paper's third claim (CMT initialisation gives post-training a gradient bias of O(ε + Δt²), lower than a
// diffusion initialisation's), measured rather than bounded.
//
// Setting. Data: an isotropic Gaussian mixture (the 8-Gaussian toy), whose posterior mean D(x, t) = E[x₀|x_t = x]
// is exact. Time convention EDM/VE: x_t = x₀ + t·ε, PF-ODE dx/dt = (x − D(x, t))/t. The Oracle integrates it
// with RK4 in ln t to ~1e-7 relative error (and matches the closed form for one Gaussian), giving the exact flow
// map Ψ_{t→u}. Consistency models f_θ(x, t) use the spine's EDM consistency parameterisation (f(x, σ_min) = x),
// so every target is the flow to σ_min.
//
// Quantities, all at one fixed time t, with d(a, b) = ‖a − b‖² (squared ℓ2) and uniform weight (the theorem's
// setting; ECT's own ℓ2/(t − r) weighting rescales E[ĝ] by 1/Δt and would make the comparison with ∇L*
// meaningless in scale — see Row.Cos and Row.RelBiasScaled for scale-free versions):
//
//	oracle loss   L*(θ) = E_{x_t ~ p_t} ‖f_θ(x_t, t) − Ψ_{t→σ_min}(x_t)‖²   (= E_{x_T ~ p_T} with x_t = Ψ_{T→t}(x_T))
//	surrogate     ĝ = ∇_θ ‖f_θ(x_t, t) − sg f_θ(x̃_r, r)‖²,  r = t·(1 − ρ), Δt = t − r = ρ·t
//	bias          ‖E[ĝ] − ∇L*(θ)‖,  relative bias = bias/‖∇L*‖,  cosine(E[ĝ], ∇L*)
//	ε             RMS ‖f_θ(x_t, t) − Ψ_{t→σ_min}(x_t)‖ over p_t (Profile gives ε(t) across t)
//
// with the surrogates' pair points x̃_r (Pair): ECT's forward-noised x₀ + r·ε, or one Euler or Heun step of the
// exact teacher from x_t (ECD with a perfect teacher); and the CMT loss itself (CMTSet, AnalyseCMT):
// ‖f_θ(x̂_t, t) − x̂_{t_0}‖² on a teacher's 16-step solver trajectory from x_T.
//
// Estimation. Set draws the network-independent half once (samples, pair points, every exact flow); Analyse then
// runs one initialisation: per batch, one forward pass for f at x_t and at all pair points, and vector–Jacobian
// products J_θ f(x_t, t)ᵀ·c with respect to all weights for the oracle residual and for each surrogate's
// difference from it. Common random numbers make the bias estimate direct: per sample
// ĝ − g* = Jᵀ·2(Ψ_{t→σ_min}(x_t) − f_θ(x̃_r, r))/m. Batch means give standard errors (Measure: the RMS length of
// the estimate's error vector) and a debiased length. With PairTerms the bias vector is split into the pair's own
// discretisation (Ψ of the exact ODE point minus Ψ of x̃_r: zero for an exact pair, O(Δt²) for Euler, O(Δt³) for
// Heun) and the initialisation's error at x̃_r; with Posterior the latter is split again into the posterior-mean
// mismatch Ψ − E[x₀|x̃_r] and the network's fit error E[x₀|x̃_r] − f_θ.
//
// Two measured facts matter for speed: in binaries built with GOEXPERIMENT=simd, the oracle's scalar float64 loop
// ran 8–10× slower until a VZEROUPPER instruction had executed on its thread, and math.Exp ran 20–28× slower
// (lib/fastmath holds the workarounds: a VZEROUPPER call and a pure-Go Exp).
package bias
