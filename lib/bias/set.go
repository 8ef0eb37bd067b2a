package bias

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gocmt/cmt/lib/data"
)

// Pair names how a post-training surrogate builds the point x̃_r at which its stop-gradient target f_θ(x̃_r, r) is
// evaluated, given x_t = x₀ + t·ε.
type Pair int

const (
	// ECT is the forward-noised pair of consistency training: x̃_r = x₀ + r·ε (the same ε as x_t).
	ECT Pair = iota
	// ECDEuler is consistency distillation with one Euler step of the exact teacher from x_t to r:
	// x̃_r = x_t + (r − t)·(x_t − D(x_t, t))/t.
	ECDEuler
	// ECDHeun is consistency distillation with one Heun step of the exact teacher from x_t to r.
	ECDHeun
)

// Pairs lists the surrogates in a fixed order.
var Pairs = []Pair{ECT, ECDEuler, ECDHeun}

func (p Pair) String() string {
	switch p {
	case ECT:
		return "ect"
	case ECDEuler:
		return "ecd-euler"
	case ECDHeun:
		return "ecd-heun"
	}
	return fmt.Sprintf("pair(%d)", int(p))
}

// SpineRho is the spine's post-training step as a fraction of t: ECT's sigmoid mapping at stage 0 with k = 8,
// b = 1, (t − r)/t = q⁻¹·(1 + 8·sigmoid(−t)) (q = 1024 in the spine: Δt ≈ 5t/1024 at small t).
func SpineRho(t, q float64) float64 { return (1 + 8/(1+math.Exp(t))) / q }

// SetConfig fixes where and how densely the gradients are compared.
type SetConfig struct {
	T        float64   // the fixed time t (EDM noise level) of every gradient comparison
	Rhos     []float64 // Δt/t values: r = t·(1 − ρ), Δt = t − r = ρ·t; each in (0, 1)
	N        int       // samples (x₀, ε), a multiple of Batch
	Batch    int       // samples per gradient batch; the N/Batch ≥ 2 batches give the standard errors
	SigmaMin float64   // the consistency boundary σ_min: every target is the flow to σ_min, Ψ_{·→σ_min}
	Seed     uint64
}

// Validate checks the configuration.
func (c SetConfig) Validate() error {
	switch {
	case !(c.T > c.SigmaMin) || !(c.SigmaMin > 0):
		return fmt.Errorf("bias: need t > σ_min > 0, got t = %v, σ_min = %v", c.T, c.SigmaMin)
	case c.Batch < 1 || c.N < 2*c.Batch || c.N%c.Batch != 0:
		return fmt.Errorf("bias: N = %d must be a multiple of the batch %d with at least 2 batches", c.N, c.Batch)
	}
	for _, r := range c.Rhos {
		if !(r > 0 && r < 1) || !(c.T*(1-r) > c.SigmaMin) {
			return fmt.Errorf("bias: Δt/t = %v must lie in (0, 1) with r = t(1 − Δt/t) > σ_min", r)
		}
	}
	return nil
}

// Level is everything about one Δt that does not depend on the network: the exact ODE point, the surrogates'
// pair points and their exact flows to σ_min. Slices are [N·dim]; arrays are indexed by Pair.
type Level struct {
	Rho, R, Dt float64
	ODE        []float64    // a = Ψ_{t→r}(x_t), the exact point of x_t's trajectory at r
	PsiODE     []float64    // Ψ_{r→σ_min}(a) — equal to Ψ_{t→σ_min}(x_t) up to the solver (Closure)
	X          [3][]float64 // x̃_r of each surrogate
	Psi        [3][]float64 // Ψ_{r→σ_min}(x̃_r), on the same RK4 grid as PsiODE
	Post       [3][]float64 // E[x₀ | x_r = x̃_r], the exact posterior mean (what a diffusion model learns)
	Closure    float64      // max |Ψ_{r→σ_min}(Ψ_{t→r}(x_t)) − Ψ_{t→σ_min}(x_t)| over the set (solver check)
}

// Set is the network-independent half of the analysis: N draws x₀ ~ p₀ (the mixture), ε ~ N(0, I),
// x_t = x₀ + t·ε ~ p_t, the oracle target Ψ_{t→σ_min}(x_t), and one Level per Δt. It is built once and reused for
// every initialisation, so that all of them see the same samples.
type Set struct {
	Cfg         SetConfig
	Dim         int
	X0, Eps, Xt []float64 // [N·dim]
	PsiT        []float64 // Ψ_{t→σ_min}(x_t) [N·dim]
	Levels      []Level
}

// NewSet draws the samples and solves every flow the analysis needs with the oracle o of the mixture g.
func NewSet(o *Oracle, g *data.GMM, cfg SetConfig) (*Set, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if g.Dim() != o.Dim() {
		return nil, fmt.Errorf("bias: mixture of dim %d, oracle of dim %d", g.Dim(), o.Dim())
	}
	dim, t := g.Dim(), cfg.T
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5EED))
	s := &Set{Cfg: cfg, Dim: dim, X0: g.Sample(rng, cfg.N)}
	s.Eps = make([]float64, len(s.X0))
	s.Xt = make([]float64, len(s.X0))
	for i := range s.Eps {
		s.Eps[i] = rng.NormFloat64()
		s.Xt[i] = s.X0[i] + t*s.Eps[i]
	}
	var err error
	if s.PsiT, err = o.Flow(s.Xt, t, cfg.SigmaMin); err != nil {
		return nil, err
	}
	dt := o.Denoise(s.Xt, t) // D(x_t, t), the teacher's first slope
	// The short exact segment t → r is compared with one-step teacher pairs whose error falls as Δt³: a four times
	// finer RK4 step keeps its own error (∝ step⁴·Δt) far below theirs at every Δt of the grid.
	fine := *o
	fine.Step = o.Step / 4
	for _, rho := range cfg.Rhos {
		r := t * (1 - rho)
		lv := Level{Rho: rho, R: r, Dt: t - r}
		if lv.ODE, err = fine.Flow(s.Xt, t, r); err != nil {
			return nil, err
		}
		ect := make([]float64, len(s.Xt))
		euler := make([]float64, len(s.Xt))
		for i := range ect {
			ect[i] = s.X0[i] + r*s.Eps[i]
			euler[i] = s.Xt[i] + (r-t)*(s.Xt[i]-dt[i])/t
		}
		dr := o.Denoise(euler, r)
		heun := make([]float64, len(s.Xt))
		for i := range heun {
			heun[i] = s.Xt[i] + (r-t)*0.5*((s.Xt[i]-dt[i])/t+(euler[i]-dr[i])/r)
		}
		lv.X = [3][]float64{ect, euler, heun}
		if lv.PsiODE, err = o.Flow(lv.ODE, r, cfg.SigmaMin); err != nil {
			return nil, err
		}
		for _, p := range Pairs {
			if lv.Psi[p], err = o.Flow(lv.X[p], r, cfg.SigmaMin); err != nil {
				return nil, err
			}
			lv.Post[p] = o.Denoise(lv.X[p], r)
		}
		for i := range lv.PsiODE {
			lv.Closure = math.Max(lv.Closure, math.Abs(lv.PsiODE[i]-s.PsiT[i]))
		}
		s.Levels = append(s.Levels, lv)
	}
	return s, nil
}

// Batches is the number of gradient batches.
func (s *Set) Batches() int { return s.Cfg.N / s.Cfg.Batch }
