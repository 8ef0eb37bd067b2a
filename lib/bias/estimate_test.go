package bias

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/solver"
	"github.com/gomlx/gomlx/ml/model"
)

var testPre = nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}

// linearNet is the consistency model with the Linear backbone F(x, c) = x·W + c·u + b and fixed weights.
func linearNet(t *testing.T, w nets.LinearParams) *Net {
	t.Helper()
	store := model.NewStore()
	nets.SetLinear(store, "/net", w)
	n, err := NewNet(backend.MustNew(nil), "linear", store, testPre, nets.Linear{Dim: 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var testW = nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}

// consts are the consistency parameterisation's c_skip, c_out, c_in, c_noise at σ.
func consts(s float64) (cs, co, ci, cn float64) {
	sd, sm := testPre.SigmaData, testPre.SigmaMin
	ci = 1 / math.Sqrt(s*s+sd*sd)
	return sd * sd / ((s-sm)*(s-sm) + sd*sd), (s - sm) * sd * ci, ci, math.Log(s) / 4
}

// affine returns f(x, σ) = x·A + β for the linear model: A = c_skip·I + c_out·c_in·W, β = c_out·(c_noise·u + b).
func affine(w nets.LinearParams, s float64) (a [2][2]float64, beta [2]float64) {
	cs, co, ci, cn := consts(s)
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			a[i][j] = co * ci * w.W[2*i+j]
		}
		a[i][i] += cs
		beta[i] = co * (cn*w.U[i] + w.B[i])
	}
	return a, beta
}

// closedGrad is the exact expected gradient, in the Net's layout (b, u, W row-major), of ‖f(x_t, t) − sg y‖² for
// x_t = x₀ + t·ε, x₀ ~ N(μ, s²I), when the target is y = μ + κ(x_t − μ) (target "oracle", κ = √(s²+σ_min²)/√(s²+t²))
// or y = f(x̃, r) with E[x_tᵀ x̃] = μᵀμ + c·I and E[x̃] = μ (c = s² + t·r for ECT's x̃ = x₀ + r·ε; c = λ(s²+t²) for
// an exact Euler step, x̃ = μ + λ(x_t − μ)). With M = E[x_tᵀ(f − y)] and e = E[f − y]:
// ∂/∂b_j = 2c_out e_j, ∂/∂u_j = 2c_out c_noise e_j, ∂/∂W_ij = 2c_out c_in M_ij (constants at t).
func closedGrad(w nets.LinearParams, mu []float64, s, t, r float64, oracle bool, c float64) []float64 {
	at, bt := affine(w, t)
	vt := s*s + t*t
	var m [2][2]float64 // E[x_tᵀ f(x_t)] = (μᵀμ + V_t I)·A_t + μᵀβ_t
	var e [2]float64
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			for k := 0; k < 2; k++ {
				m[i][j] += (mu[i]*mu[k] + vt*b2f(i == k)) * at[k][j]
			}
			m[i][j] += mu[i] * bt[j]
		}
	}
	for j := 0; j < 2; j++ {
		e[j] = mu[0]*at[0][j] + mu[1]*at[1][j] + bt[j]
	}
	if oracle {
		kappa := math.Sqrt(s*s+testPre.SigmaMin*testPre.SigmaMin) / math.Sqrt(vt)
		for i := 0; i < 2; i++ {
			for j := 0; j < 2; j++ {
				m[i][j] -= mu[i]*mu[j] + kappa*vt*b2f(i == j)
			}
			e[i] -= mu[i]
		}
	} else {
		ar, br := affine(w, r)
		for i := 0; i < 2; i++ {
			for j := 0; j < 2; j++ {
				for k := 0; k < 2; k++ {
					m[i][j] -= (mu[i]*mu[k] + c*b2f(i == k)) * ar[k][j]
				}
				m[i][j] -= mu[i] * br[j]
			}
		}
		for j := 0; j < 2; j++ {
			e[j] -= mu[0]*ar[0][j] + mu[1]*ar[1][j] + br[j]
		}
	}
	_, co, ci, cn := consts(t)
	g := []float64{2 * co * e[0], 2 * co * e[1], 2 * co * cn * e[0], 2 * co * cn * e[1]}
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			g = append(g, 2*co*ci*m[i][j])
		}
	}
	return g
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func dist(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s)
}

// The Monte Carlo machinery is unbiased where the expected gradients are known in closed form: a linear model on
// Gaussian data N(μ, s²I). Checked: the oracle gradient ∇L* and the expected ECT and ECD-Euler surrogate
// gradients E[ĝ] (at t = 0.7, Δt/t = 0.05 and 0.3) each lie within 3 standard errors (the RMS length of the
// estimate's error vector; with 8 weights a 3-SE miss has probability < 1e-3) of the closed form; the measured
// bias ‖E ĝ − ∇L*‖ lies within 3 SE of the closed-form bias, and its SE is below 10% of it (enough samples to
// resolve it).
func TestMonteCarloUnbiasedLinearGaussian(t *testing.T) {
	mu, s := []float64{0.3, -0.2}, 0.5
	g, err := data.NewGMM([][]float64{mu}, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := NewOracle(g, 0)
	const tt = 0.7
	rhos := []float64{0.05, 0.3}
	set, err := NewSet(o, g, SetConfig{T: tt, Rhos: rhos, N: 8192, Batch: 1024, SigmaMin: testPre.SigmaMin, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyse(linearNet(t, testW), set, Options{KeepMeans: true})
	if err != nil {
		t.Fatal(err)
	}
	want := closedGrad(testW, mu, s, tt, 0, true, 0)
	if d := dist(res.GradSet, want); d > 3*res.Grad.SE {
		t.Errorf("∇L*: Monte Carlo %v, closed form %v: distance %.3g > 3 SE = %.3g", res.GradSet, want, d, 3*res.Grad.SE)
	}
	for j, rho := range rhos {
		r := tt * (1 - rho)
		vt := s*s + tt*tt
		for _, c := range []struct {
			p Pair
			c float64
		}{{ECT, s*s + tt*r}, {ECDEuler, (1 + (r-tt)*tt/vt) * vt}} {
			row := res.Row(j, c.p)
			exp := closedGrad(testW, mu, s, tt, r, false, c.c)
			d := dist(res.Means[j*len(Pairs)+int(c.p)], exp)
			cb := dist(exp, want)
			t.Logf("%s Δt/t=%g: |MC − closed| = %.2e (SE %.2e); bias %.4g ± %.2g, closed form %.4g", c.p, rho, d, row.Surrogate.SE, row.Bias.Norm, row.Bias.SE, cb)
			if d > 3*row.Surrogate.SE {
				t.Errorf("%s Δt/t=%g: E[ĝ] off the closed form by %.3g > 3 SE = %.3g", c.p, rho, d, 3*row.Surrogate.SE)
			}
			if math.Abs(row.Bias.Norm-cb) > 3*row.Bias.SE || row.Bias.SE > 0.1*cb {
				t.Errorf("%s Δt/t=%g: bias %.4g ± %.2g, closed form %.4g", c.p, rho, row.Bias.Norm, row.Bias.SE, cb)
			}
		}
	}
}

// With the oracle as the target the estimator is unbiased: on the 8-Gaussian mixture, with a linear model,
// ∇L*(θ) estimated on forward-noised x_t = x₀ + t·ε (Set) and, independently, on the reverse-time points
// x_t = Ψ_{T→t}(x_T) with target Ψ_{T→σ_min}(x_T) (CMTSet) agree within 3 combined standard errors. The same
// machinery detects a biased target: CMT pairs from the best *linear* teacher (the mixture's Gaussian
// approximation) give a bias of more than 5 standard errors. The exact teacher's 16-step DPM-Solver++ pairs
// are logged for reference (their bias is the solver's error).
func TestOracleTargetUnbiased(t *testing.T) {
	g := data.EightGaussians(1, 0.1)
	o, _ := NewOracle(g, 0)
	const tt = 0.4 // node 8 of LogSNRGrid(80, 0.002, 16)
	set, err := NewSet(o, g, SetConfig{T: tt, Rhos: []float64{0.1}, N: 8192, Batch: 1024, SigmaMin: testPre.SigmaMin, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	net := linearNet(t, testW)
	res, err := Analyse(net, set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	grid := solver.LogSNRGrid(80, 0.002, 16)
	dpm := func(d solver.Denoiser, xT []float64) (*solver.Trajectory, error) {
		return solver.DPMSolverPP(d, xT, 2, grid, 3, true)
	}
	teachers := []Teacher{{"exact", solver.DenoiserFunc(func(x []float64, _ int, s float64) []float64 { return o.Denoise(x, s) })},
		{"linear", solver.DenoiserFunc(g.LinearDenoise)}}
	cs, err := NewCMTSet(o, g, teachers, dpm, tt, 80, testPre.SigmaMin, 8192, 1024, 6)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := AnalyseCMT(net, cs)
	if err != nil {
		t.Fatal(err)
	}
	d, se := dist(res.GradSet, cr.GradMean), math.Hypot(res.Grad.SE, cr.Grad.SE)
	t.Logf("‖∇L*‖ = %.4g; forward vs reverse-time estimates differ by %.3g, combined SE %.3g", res.Grad.Norm, d, se)
	if d > 3*se {
		t.Errorf("oracle-target estimates differ by %.3g > 3 SE = %.3g", d, 3*se)
	}
	for _, row := range cr.Rows {
		t.Logf("%s: bias %.3g ± %.2g (relative %.3f, cos %.4f), target error %.3g", row.Pair, row.Bias.Norm, row.Bias.SE, row.RelBias, row.Cos, row.EpsPair)
	}
	if lin := cr.Rows[1]; lin.Bias.Norm < 5*lin.Bias.SE {
		t.Errorf("linear-teacher CMT bias %.3g ± %.2g not detected", lin.Bias.Norm, lin.Bias.SE)
	}
}

// A one-step teacher pair's own error (the pair term) falls as Δt² for Euler and Δt³ for Heun (local truncation
// errors), measured in gradient space with a linear model on the mixture at t = 0.4: fitted log–log slopes within
// 0.15 of 2 and 3.
func TestPairTermOrders(t *testing.T) {
	g := data.EightGaussians(1, 0.1)
	o, _ := NewOracle(g, 0)
	rhos := []float64{0.004, 0.008, 0.016, 0.032, 0.064}
	set, err := NewSet(o, g, SetConfig{T: 0.4, Rhos: rhos, N: 2048, Batch: 1024, SigmaMin: testPre.SigmaMin, Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyse(linearNet(t, testW), set, Options{PairTerms: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p     Pair
		order float64
	}{{ECDEuler, 2}, {ECDHeun, 3}} {
		var dt, y, se []float64
		for j := range rhos {
			row := res.Row(j, c.p)
			dt, y, se = append(dt, row.Dt), append(y, row.PairTerm.Norm), append(se, row.PairTerm.SE)
		}
		s, err := FitSlope(dt, y, se)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s pair term: slope %.3f ± %.3f, values %.2e … %.2e", c.p, s.Slope, s.SE, y[0], y[len(y)-1])
		if math.Abs(s.Slope-c.order) > 0.15 {
			t.Errorf("%s pair term slope %.3f, want %g", c.p, s.Slope, c.order)
		}
	}
}
