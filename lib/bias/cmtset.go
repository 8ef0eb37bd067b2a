package bias

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/solver"
)

// Teacher is a named denoiser whose PF-ODE solves give CMT's regression pairs.
type Teacher struct {
	Name string
	D    solver.Denoiser
}

// Solve integrates a teacher's PF-ODE from x_T [n·dim] over the whole CMT grid (e.g. 16-step DPM-Solver++ on the
// log-SNR grid 80 → 0.002) and returns the trajectory.
type Solve func(d solver.Denoiser, xT []float64) (*solver.Trajectory, error)

// CMTSet is the sample for the CMT loss seen as a surrogate at one time t of the solver's grid:
// x_T = x₀ + T·ε ~ p_T (the exact marginal, so that the exact x*_t = Ψ_{T→t}(x_T) ~ p_t), the oracle target
// Ψ_{t→σ_min}(x*_t) = Ψ_{T→σ_min}(x_T), and for each teacher the solver's point x̂_t and clean end x̂_{t_0} of the
// trajectory from the same x_T. Slices are [N·dim].
type CMTSet struct {
	T, TMax  float64
	N, Batch int
	Dim      int
	XStar    []float64 // Ψ_{T→t}(x_T)
	PsiStar  []float64 // Ψ_{t→σ_min}(x*_t)
	Teachers []string
	XHat     map[string][]float64 // the teacher's trajectory point at t
	X0Hat    map[string][]float64 // its clean end (the CMT target)
}

// NewCMTSet draws n start points x_T ~ p_T (T = tMax) with the mixture g, solves them exactly with o and with
// each teacher through solve, and keeps the states at t (which must be a node of the solver's grid).
func NewCMTSet(o *Oracle, g *data.GMM, teachers []Teacher, solve Solve, t, tMax, sigmaMin float64, n, batch int, seed uint64) (*CMTSet, error) {
	if batch < 1 || n < 2*batch || n%batch != 0 {
		return nil, fmt.Errorf("bias: CMT set of %d samples needs a multiple of the batch %d with ≥ 2 batches", n, batch)
	}
	rng := rand.New(rand.NewPCG(seed, 0xC47))
	xT := g.Sample(rng, n)
	for i := range xT {
		xT[i] += tMax * rng.NormFloat64()
	}
	c := &CMTSet{T: t, TMax: tMax, N: n, Batch: batch, Dim: g.Dim(), XHat: map[string][]float64{}, X0Hat: map[string][]float64{}}
	var err error
	if c.XStar, err = o.Flow(xT, tMax, t); err != nil {
		return nil, err
	}
	if c.PsiStar, err = o.Flow(c.XStar, t, sigmaMin); err != nil {
		return nil, err
	}
	for _, te := range teachers {
		tr, err := solve(te.D, xT)
		if err != nil {
			return nil, fmt.Errorf("bias: teacher %s: %w", te.Name, err)
		}
		k := -1
		for i, ti := range tr.Times {
			if math.Abs(ti-t) <= 1e-9*t {
				k = i
			}
		}
		if k < 0 {
			return nil, fmt.Errorf("bias: t = %v is not a node of the CMT solver grid %v", t, tr.Times)
		}
		c.Teachers = append(c.Teachers, te.Name)
		c.XHat[te.Name] = tr.States[k]
		c.X0Hat[te.Name] = tr.End()
	}
	return c, nil
}

// CMTResult is the CMT loss as a surrogate for one initialisation.
type CMTResult struct {
	Grad     Measure   // ‖∇L*‖ estimated on the reverse-time sample x*_t = Ψ_{T→t}(x_T)
	GradMean []float64 // that estimate [P]
	Rows     []Row     // one per teacher: Pair = "cmt-<teacher>", Bias = ‖E[ĝ_CMT] − ∇L*‖
}

// AnalyseCMT measures the expected gradient of the CMT loss ‖f_θ(x̂_t, t) − x̂_{t_0}‖² (squared ℓ2, no weight, as
// in the spine's mid-training) against ∇L*(θ) on the same x_T: per sample
// ĝ − g* = 2[J(x̂_t)ᵀ(f(x̂_t) − x̂_{t_0}) − J(x*_t)ᵀ(f(x*_t) − Ψ_{t→σ_min}(x*_t))]/m.
// Row.EpsPair is the RMS target error ‖x̂_{t_0} − Ψ_{T→σ_min}(x_T)‖ (the teacher + solver error).
func AnalyseCMT(net *Net, c *CMTSet) (*CMTResult, error) {
	if net.Dim != c.Dim {
		return nil, fmt.Errorf("bias: net of dim %d, CMT set of dim %d", net.Dim, c.Dim)
	}
	nt := len(c.Teachers)
	combos := []Combo{{{0, 1}}}
	for k := 1; k <= nt; k++ {
		combos = append(combos, Combo{{k, 1}, {0, -1}}, Combo{{k, 1}})
	}
	acc := NewAccum(1+nt, net.NumParams(), combos)
	B, dim := c.Batch, c.Dim
	tb := make([]float64, B)
	for i := range tb {
		tb[i] = c.T
	}
	scale := 2 / float64(B)
	grad := func(x, y []float64) ([]float64, error) {
		f, err := net.F(x, tb)
		if err != nil {
			return nil, err
		}
		cot := make([]float64, len(f))
		for i := range cot {
			cot[i] = scale * (f[i] - y[i])
		}
		v, err := net.VJP(x, tb, [][]float64{cot})
		if err != nil {
			return nil, err
		}
		return v[0], nil
	}
	for b := 0; b < c.N/B; b++ {
		lo, hi := b*B*dim, (b+1)*B*dim
		vs := make([][]float64, 0, 1+nt)
		v, err := grad(c.XStar[lo:hi], c.PsiStar[lo:hi])
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
		for _, name := range c.Teachers {
			if v, err = grad(c.XHat[name][lo:hi], c.X0Hat[name][lo:hi]); err != nil {
				return nil, err
			}
			vs = append(vs, v)
		}
		if err := acc.Add(vs); err != nil {
			return nil, err
		}
	}
	res := &CMTResult{Grad: acc.Measure(0), GradMean: acc.Mean(combos[0])}
	for k, name := range c.Teachers {
		row := Row{Pair: "cmt-" + name, Bias: acc.Measure(1 + 2*k), Surrogate: acc.Measure(2 + 2*k)}
		row.RelBias = row.Bias.Norm / res.Grad.Norm
		row.Cos = Cosine(acc.Mean(combos[2+2*k]), res.GradMean)
		row.RelBiasScaled = scaledBias(row.Cos)
		var e float64
		for i, y := range c.X0Hat[name] {
			e += (y - c.PsiStar[i]) * (y - c.PsiStar[i])
		}
		row.EpsPair = math.Sqrt(e / float64(c.N))
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}
