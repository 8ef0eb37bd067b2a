package bias

import (
	"fmt"
	"math"
)

// Options select what Analyse measures besides the totals.
type Options struct {
	// PairTerms splits each bias into the pair's own discretisation term and the initialisation's error term
	// (one more gradient per surrogate and Δt).
	PairTerms bool
	// Posterior further splits the initialisation's error term into the posterior-mean mismatch
	// Ψ_{r→σ_min}(x̃_r) − E[x₀|x̃_r] and the network's fit error E[x₀|x̃_r] − f_θ(x̃_r, r) (for the diffusion init).
	// It implies PairTerms.
	Posterior bool
	// Chunk is the number of cotangents per compiled VJP program (0 → 16).
	Chunk int
	// KeepMeans stores each row's mean surrogate gradient E[ĝ] [P] in Result.Means (for tests and notebooks).
	KeepMeans bool
}

// Row is one surrogate at one Δt, for one initialisation θ. Gradients are of the squared-ℓ2 loss with uniform
// weight, d(a, b) = ‖a − b‖², averaged over samples; ĝ is the surrogate's stop-gradient gradient
// ∇_θ ‖f_θ(x_t, t) − sg f_θ(x̃_r, r)‖² and g* the oracle's ∇_θ ‖f_θ(x_t, t) − Ψ_{t→σ_min}(x_t)‖², on the same x_t.
type Row struct {
	Pair string  `json:"pair"`
	Rho  float64 `json:"rho"` // Δt/t
	Dt   float64 `json:"dt"`  // t − r
	R    float64 `json:"r"`

	Bias    Measure `json:"bias"`     // ‖E[ĝ] − ∇L*‖ (the bias)
	RelBias float64 `json:"rel_bias"` // Bias.Norm/‖∇L*‖
	Cos     float64 `json:"cos"`      // cosine(E[ĝ], ∇L*)
	// RelBiasScaled is min over c ≥ 0 of ‖c·E[ĝ] − ∇L*‖/‖∇L*‖ = √(1 − cos²) (1 when cos ≤ 0): the relative bias
	// left after the best rescaling of the surrogate, independent of its loss weight and of Δt's scale.
	RelBiasScaled float64 `json:"rel_bias_scaled"`
	Surrogate     Measure `json:"surrogate"` // ‖E[ĝ]‖

	// With PairTerms: Bias = PairTerm + InitTerm as vectors, where (all with J = J_θ f(x_t, t), a = Ψ_{t→r}(x_t))
	//   PairTerm = ‖E Jᵀ·2(Ψ_{r→σ_min}(a) − Ψ_{r→σ_min}(x̃_r))‖, the pair's own error (zero for the exact ODE point),
	//   InitTerm = ‖E Jᵀ·2(Ψ_{r→σ_min}(x̃_r) − f_θ(x̃_r, r))‖, the initialisation's error against Ψ at x̃_r.
	PairTerm *Measure `json:"pair_term,omitempty"`
	InitTerm *Measure `json:"init_term,omitempty"`
	// With Posterior: InitTerm = PosteriorTerm + FitTerm as vectors,
	//   PosteriorTerm = ‖E Jᵀ·2(Ψ_{r→σ_min}(x̃_r) − E[x₀|x̃_r])‖ (posterior-mean mismatch),
	//   FitTerm = ‖E Jᵀ·2(E[x₀|x̃_r] − f_θ(x̃_r, r))‖ (the network against the exact posterior mean).
	PosteriorTerm *Measure `json:"posterior_term,omitempty"`
	FitTerm       *Measure `json:"fit_term,omitempty"`

	EpsPair float64 `json:"eps_pair"` // RMS ‖Ψ_{r→σ_min}(x̃_r) − f_θ(x̃_r, r)‖, the init's output error at the pair points
}

// Result is the analysis of one initialisation on one Set.
type Result struct {
	Init    string      `json:"init"`
	T       float64     `json:"t"`
	N       int         `json:"n"`
	Batches int         `json:"batches"`
	Params  int         `json:"params"`
	Eps     float64     `json:"eps"`  // RMS ‖f_θ(x_t, t) − Ψ_{t→σ_min}(x_t)‖ over x_t ~ p_t: the init's ε at t
	Loss    float64     `json:"loss"` // L*(θ) = E‖f_θ(x_t, t) − Ψ_{t→σ_min}(x_t)‖² (= Eps²)
	Grad    Measure     `json:"grad"` // ‖∇L*(θ)‖
	Rows    []Row       `json:"rows"` // per Δt (outer) and surrogate (inner)
	GradSet []float64   `json:"-"`    // ∇L*(θ) estimate [P], for cross-checks
	Means   [][]float64 `json:"-"`    // with Options.KeepMeans: E[ĝ] [P] per row
}

// Analyse measures, for the initialisation net, the expected gradient of each surrogate of s at every Δt against
// the oracle gradient ∇L*(θ), by Monte Carlo over the set's batches with common random numbers: every estimator
// is evaluated on the same x_t as the oracle, so per sample ĝ − g* = Jᵀ·2(Ψ_{t→σ_min}(x_t) − f_θ(x̃_r, r))/m and
// its mean is the bias directly, with a small variance.
func Analyse(net *Net, s *Set, opt Options) (*Result, error) {
	if net.Dim != s.Dim {
		return nil, fmt.Errorf("bias: net of dim %d, set of dim %d", net.Dim, s.Dim)
	}
	if opt.Posterior {
		opt.PairTerms = true
	}
	chunk := opt.Chunk
	if chunk <= 0 {
		chunk = 16
	}
	per := 1 // channels per (Δt, surrogate): total [, pair [, posterior]]
	if opt.PairTerms {
		per = 2
	}
	if opt.Posterior {
		per = 3
	}
	nl, np := len(s.Levels), len(Pairs)
	ch := func(j int, p Pair, k int) int { return 1 + (j*np+int(p))*per + k }
	combos := []Combo{{{0, 1}}} // ∇L*
	type idx struct{ bias, surr, pair, init, post, fit int }
	ids := make([]idx, nl*np)
	for j := 0; j < nl; j++ {
		for _, p := range Pairs {
			id := &ids[j*np+int(p)]
			tot := ch(j, p, 0)
			id.bias = len(combos)
			combos = append(combos, Combo{{tot, 1}}, Combo{{0, 1}, {tot, 1}})
			id.surr = id.bias + 1
			if opt.PairTerms {
				id.pair = len(combos)
				combos = append(combos, Combo{{ch(j, p, 1), 1}}, Combo{{tot, 1}, {ch(j, p, 1), -1}})
				id.init = id.pair + 1
			}
			if opt.Posterior {
				id.post = len(combos)
				combos = append(combos, Combo{{ch(j, p, 2), 1}}, Combo{{tot, 1}, {ch(j, p, 1), -1}, {ch(j, p, 2), -1}})
				id.fit = id.post + 1
			}
		}
	}
	nch := 1 + nl*np*per
	acc := NewAccum(nch, net.NumParams(), combos)
	B, dim, t := s.Cfg.Batch, s.Dim, s.Cfg.T
	var sq float64
	epsPair := make([]float64, nl*np)
	tb := make([]float64, B)
	for i := range tb {
		tb[i] = t
	}
	// All pair points of a batch go through one forward call: [nl·np·B] points with their times r.
	allX := make([]float64, 0, nl*np*B*dim)
	allT := make([]float64, 0, nl*np*B)
	for b := 0; b < s.Batches(); b++ {
		lo, hi := b*B*dim, (b+1)*B*dim
		xt := s.Xt[lo:hi]
		f, err := net.F(xt, tb)
		if err != nil {
			return nil, err
		}
		allX, allT = allX[:0], allT[:0]
		for _, lv := range s.Levels {
			for _, p := range Pairs {
				allX = append(allX, lv.X[p][lo:hi]...)
				for i := 0; i < B; i++ {
					allT = append(allT, lv.R)
				}
			}
		}
		fr, err := net.F(allX, allT)
		if err != nil {
			return nil, err
		}
		scale := 2 / float64(B)
		cots := make([][]float64, nch)
		psiT := s.PsiT[lo:hi]
		cots[0] = make([]float64, hi-lo)
		for i := range cots[0] {
			d := f[i] - psiT[i]
			cots[0][i] = scale * d
			sq += d * d
		}
		for j, lv := range s.Levels {
			for _, p := range Pairs {
				k := j*np + int(p)
				fx := fr[k*B*dim : (k+1)*B*dim]
				psi := lv.Psi[p][lo:hi]
				tot := make([]float64, hi-lo)
				for i := range tot {
					tot[i] = scale * (psiT[i] - fx[i])
					epsPair[k] += (psi[i] - fx[i]) * (psi[i] - fx[i])
				}
				cots[ch(j, p, 0)] = tot
				if opt.PairTerms {
					pr := make([]float64, hi-lo)
					ode := lv.PsiODE[lo:hi]
					for i := range pr {
						pr[i] = scale * (ode[i] - psi[i])
					}
					cots[ch(j, p, 1)] = pr
				}
				if opt.Posterior {
					pm := make([]float64, hi-lo)
					post := lv.Post[p][lo:hi]
					for i := range pm {
						pm[i] = scale * (psi[i] - post[i])
					}
					cots[ch(j, p, 2)] = pm
				}
			}
		}
		vs := make([][]float64, 0, nch)
		for c := 0; c < nch; c += chunk {
			part, err := net.VJP(xt, tb, cots[c:min(c+chunk, nch)])
			if err != nil {
				return nil, err
			}
			vs = append(vs, part...)
		}
		if err := acc.Add(vs); err != nil {
			return nil, err
		}
	}
	n := float64(s.Cfg.N)
	res := &Result{Init: net.Name, T: t, N: s.Cfg.N, Batches: s.Batches(), Params: net.NumParams(),
		Loss: sq / n, Eps: math.Sqrt(sq / n), Grad: acc.Measure(0)}
	res.GradSet = acc.Mean(combos[0])
	for j, lv := range s.Levels {
		for _, p := range Pairs {
			id := ids[j*np+int(p)]
			row := Row{Pair: p.String(), Rho: lv.Rho, Dt: lv.Dt, R: lv.R, Bias: acc.Measure(id.bias),
				Surrogate: acc.Measure(id.surr), EpsPair: math.Sqrt(epsPair[j*np+int(p)] / n)}
			row.RelBias = row.Bias.Norm / res.Grad.Norm
			mean := acc.Mean(combos[id.surr])
			row.Cos = Cosine(mean, res.GradSet)
			if opt.KeepMeans {
				res.Means = append(res.Means, mean)
			}
			row.RelBiasScaled = scaledBias(row.Cos)
			if opt.PairTerms {
				pt, it := acc.Measure(id.pair), acc.Measure(id.init)
				row.PairTerm, row.InitTerm = &pt, &it
			}
			if opt.Posterior {
				pt, ft := acc.Measure(id.post), acc.Measure(id.fit)
				row.PosteriorTerm, row.FitTerm = &pt, &ft
			}
			res.Rows = append(res.Rows, row)
		}
	}
	return res, nil
}

// scaledBias is √(1 − cos²) for cos > 0, else 1.
func scaledBias(cos float64) float64 {
	if !(cos > 0) {
		return 1
	}
	return math.Sqrt(max(0, 1-cos*cos))
}

// Row returns the row of surrogate p at level j.
func (r *Result) Row(j int, p Pair) Row { return r.Rows[j*len(Pairs)+int(p)] }
