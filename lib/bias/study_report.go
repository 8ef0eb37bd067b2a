package bias

import (
	"fmt"
	"math"
	"strings"
)

// Summary is runs/bias/summary.json.
type Summary struct {
	Backend  string    `json:"backend"`
	Seed     int64     `json:"seed"`
	Quick    bool      `json:"quick"`
	T        float64   `json:"t"`         // the fixed time of every gradient comparison
	Q        float64   `json:"spine_q"`   // the spine's Δt ratio q
	SpineRho float64   `json:"spine_rho"` // the spine's Δt/t at T
	SpineDt  float64   `json:"spine_dt"`
	Distance string    `json:"distance"`
	N        int       `json:"n"`
	Batch    int       `json:"batch"`
	Rhos     []float64 `json:"rhos"` // the Δt/t grid
	Dts      []float64 `json:"dts"`  // the Δt grid

	Oracle       OracleReport `json:"oracle"`
	OracleCheck  OracleCheck  `json:"oracle_check"`
	ProfileTimes []float64    `json:"eps_profile_times"`
	Inits        []InitReport `json:"inits"`
	ByT          []TReport    `json:"by_t"` // further times, spine Δt only

	SpineInit        string  `json:"spine_init"` // the CMT init with the spine's mid.steps
	SlopeCMT         float64 `json:"slope_cmt"`  // log–log slope of the ECT bias vs Δt, spine CMT init
	SlopeCMTSE       float64 `json:"slope_cmt_se"`
	SlopeDiffusion   float64 `json:"slope_diffusion"`
	SlopeDiffusionSE float64 `json:"slope_diffusion_se"`
	BiasRatio        float64 `json:"bias_ratio_diffusion_over_cmt"` // ECT bias at the spine's Δt
	BiasRatioSE      float64 `json:"bias_ratio_diffusion_over_cmt_se"`
	WallSeconds      float64 `json:"wall_seconds"`
}

// OracleReport documents the exact flow map's accuracy.
type OracleReport struct {
	Step           float64            `json:"rk4_step_ln_t"`
	Convergence    []ConvergencePoint `json:"convergence"` // T → σ_min against a step/8 reference
	GaussianMaxErr float64            `json:"gaussian_max_err"`
	MaxClosure     float64            `json:"max_closure"` // |Ψ_{r→σmin}∘Ψ_{t→r} − Ψ_{t→σmin}| over the set
}

// OracleCheck compares two independent Monte Carlo estimates of ∇L* for the spine CMT init: on x_t = x₀ + t·ε
// (forward noise) and on x_t = Ψ_{T→t}(x_T) (the reverse-time oracle): they must agree within their errors.
type OracleCheck struct {
	Init      string  `json:"init"`
	DiffNorm  float64 `json:"diff_norm"` // ‖ĝ_forward − ĝ_reverse‖
	SE        float64 `json:"se"`        // √(SE_forward² + SE_reverse²)
	GradNorm  float64 `json:"grad_norm"`
	WithinSE3 bool    `json:"within_3se"`
}

// InitReport is one initialisation's measurements.
type InitReport struct {
	Init       string           `json:"init"`
	Kind       string           `json:"kind"`
	MidSteps   int              `json:"mid_steps,omitempty"`
	Eps        float64          `json:"eps"` // ε at T
	EpsProfile []float64        `json:"eps_profile"`
	Loss       float64          `json:"oracle_loss"`
	Grad       Measure          `json:"grad"`
	Rows       []Row            `json:"rows"`
	CMT        []Row            `json:"cmt_loss"`
	Fits       map[string]Slope `json:"fits"` // "<pair>" total bias; "pair:<pair>" pair term; "init:<pair>" init term
}

// fits fits log–log slopes against Δt: of each surrogate's total bias (all points), and of its pair and init
// terms (only the points resolved at 3 standard errors, with the debiased lengths).
func fits(r *Result, nl int) map[string]Slope {
	out := map[string]Slope{}
	for _, p := range Pairs {
		var dt, tot, totSE, pdt, pv, pse, idt, iv, ise []float64
		for j := 0; j < nl; j++ {
			row := r.Row(j, p)
			dt, tot, totSE = append(dt, row.Dt), append(tot, row.Bias.Norm), append(totSE, row.Bias.SE)
			if m := row.PairTerm; m != nil && m.Norm >= 3*m.SE {
				pdt, pv, pse = append(pdt, row.Dt), append(pv, m.Debiased), append(pse, m.SE)
			}
			if m := row.InitTerm; m != nil && m.Norm >= 3*m.SE {
				idt, iv, ise = append(idt, row.Dt), append(iv, m.Debiased), append(ise, m.SE)
			}
		}
		if s, err := FitSlope(dt, tot, totSE); err == nil {
			out[p.String()] = s
		}
		if s, err := FitSlope(pdt, pv, pse); err == nil {
			out["pair:"+p.String()] = s
		}
		if s, err := FitSlope(idt, iv, ise); err == nil {
			out["init:"+p.String()] = s
		}
	}
	return out
}

// ratioSE is the standard error of a/b from independent relative errors.
func ratioSE(a, aSE, b, bSE float64) float64 {
	return a / b * math.Hypot(aSE/a, bSE/b)
}

// Table renders the summary as text.
func (s *Summary) Table(spineLevel int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n== gradient bias against the exact oracle (backend %s, seed %d, %.0f s) ==\n", s.Backend, s.Seed, s.WallSeconds)
	fmt.Fprintf(&b, "t = %g; Δt = ρ·t on %d values, ρ = %.3g … %.3g; spine Δt = %.3g (ρ = %.3g, q = %g); %s; N = %d in batches of %d\n",
		s.T, len(s.Rhos), s.Rhos[0], s.Rhos[len(s.Rhos)-1], s.SpineDt, s.SpineRho, s.Q, s.Distance, s.N, s.Batch)
	fmt.Fprintf(&b, "oracle: RK4, step %g in ln t; T→σ_min error vs step/8:", s.Oracle.Step)
	for _, c := range s.Oracle.Convergence {
		fmt.Fprintf(&b, " h=%g %.1e;", c.Step, c.RelErr)
	}
	fmt.Fprintf(&b, " Gaussian closed form %.1e; closure ≤ %.1e\n", s.Oracle.GaussianMaxErr, s.Oracle.MaxClosure)
	c := s.OracleCheck
	fmt.Fprintf(&b, "oracle check (%s): ‖∇L* forward − ∇L* reverse-time‖ = %.3g vs SE %.3g (‖∇L*‖ = %.3g): within 3 SE %v\n",
		c.Init, c.DiffNorm, c.SE, c.GradNorm, c.WithinSE3)
	fmt.Fprintf(&b, "\nat the spine's Δt = %.3g: bias ‖E ĝ − ∇L*‖ ± SE (relative bias, cosine(E ĝ, ∇L*))\n", s.SpineDt)
	fmt.Fprintf(&b, "%-10s %9s %9s | %-30s | %-30s | %-30s | %-30s\n", "init", "ε(t)", "‖∇L*‖", "ECT", "ECD-Euler", "ECD-Heun", "CMT loss (trained teacher)")
	cell := func(r Row) string {
		return fmt.Sprintf("%.3g±%.1g (%.2f, %+.2f)", r.Bias.Norm, r.Bias.SE, r.RelBias, r.Cos)
	}
	for _, in := range s.Inits {
		fmt.Fprintf(&b, "%-10s %9.3g %9.3g", in.Init, in.Eps, in.Grad.Norm)
		for _, p := range Pairs {
			fmt.Fprintf(&b, " | %-30s", cell(in.Rows[spineLevel*len(Pairs)+int(p)]))
		}
		cm := "—"
		for _, r := range in.CMT {
			if r.Pair == "cmt-trained" {
				cm = cell(r)
			}
		}
		fmt.Fprintf(&b, " | %s\n", cm)
	}
	fmt.Fprintf(&b, "\nlog–log slope of the bias vs Δt (all %d Δt), ± SE:\n", len(s.Rhos))
	fmt.Fprintf(&b, "%-10s %-16s %-16s %-16s | pair term (ECT / Euler / Heun)                | init term (ECT)\n", "init", "ECT", "ECD-Euler", "ECD-Heun")
	sl := func(f map[string]Slope, k string) string {
		v, ok := f[k]
		if !ok {
			return "—"
		}
		return fmt.Sprintf("%.2f±%.2f", v.Slope, v.SE)
	}
	for _, in := range s.Inits {
		fmt.Fprintf(&b, "%-10s %-16s %-16s %-16s | %-14s %-14s %-14s | %s\n", in.Init, sl(in.Fits, "ect"), sl(in.Fits, "ecd-euler"),
			sl(in.Fits, "ecd-heun"), sl(in.Fits, "pair:ect"), sl(in.Fits, "pair:ecd-euler"), sl(in.Fits, "pair:ecd-heun"), sl(in.Fits, "init:ect"))
	}
	for _, in := range s.Inits {
		if in.Init != s.SpineInit && in.Kind != "diffusion" {
			continue
		}
		fmt.Fprintf(&b, "\n%s, per Δt (ECT): bias ± SE | pair term ± SE (ECT, Euler, Heun) | init term%s\n", in.Init,
			map[bool]string{true: " = posterior-mean mismatch + fit", false: ""}[in.Kind == "diffusion"])
		for j := range s.Rhos {
			r := in.Rows[j*len(Pairs)]
			fmt.Fprintf(&b, "  Δt %-9.3g %9.3g ± %-8.2g |", r.Dt, r.Bias.Norm, r.Bias.SE)
			for _, p := range Pairs {
				q := in.Rows[j*len(Pairs)+int(p)]
				fmt.Fprintf(&b, " %9.3g ± %-8.2g", q.PairTerm.Norm, q.PairTerm.SE)
			}
			fmt.Fprintf(&b, " | %9.3g", r.InitTerm.Norm)
			if r.PosteriorTerm != nil {
				fmt.Fprintf(&b, " = %.3g + %.3g (as vectors)", r.PosteriorTerm.Norm, r.FitTerm.Norm)
			}
			fmt.Fprintln(&b)
		}
	}
	for _, bt := range s.ByT {
		fmt.Fprintf(&b, "\nat t = %.3g (grid position %g), spine Δt = %.3g, N = %d: ECT bias ± SE (ε, cosine); ratio diffusion/%s = %.3g ± %.2g\n",
			bt.T, bt.Node, bt.SpineDt, bt.N, s.SpineInit, bt.Ratio, bt.RatioSE)
		for _, in := range bt.Inits {
			r := in.Rows[int(ECT)]
			fmt.Fprintf(&b, "  %-10s %9.3g ± %-8.2g (ε %.3g, ‖∇L*‖ %.3g, cos %+.2f)\n", in.Init, r.Bias.Norm, r.Bias.SE, in.Eps, in.Grad.Norm, r.Cos)
		}
	}
	fmt.Fprintf(&b, "\nslope_cmt (%s) = %.2f ± %.2f, slope_diffusion = %.2f ± %.2f, bias ratio diffusion/cmt at the spine Δt = %.3g ± %.2g\n",
		s.SpineInit, s.SlopeCMT, s.SlopeCMTSE, s.SlopeDiffusion, s.SlopeDiffusionSE, s.BiasRatio, s.BiasRatioSE)
	return b.String()
}
