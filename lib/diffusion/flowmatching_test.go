package diffusion

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/solver"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Flow matching's loss for given t and ε equals the hand computation mean_{i,d} (v(z_i, t_i) − (ε_i − x₀_i))_d²
// with z = (1 − t)x₀ + tε and a linear backbone v(z, t) = z·W + t·u + b (1e-5 relative: float32 graph vs float64).
func TestFMLossMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	x0 := []float64{0.7, -0.7, 1, 0, -0.3, 0.9}
	tt := []float64{0.05, 0.5, 0.97}
	eps := []float64{0.3, -1.2, 0.8, 0.4, -0.5, 1.5}
	var want float64
	for i := 0; i < 3; i++ {
		z := []float64{(1-tt[i])*x0[2*i] + tt[i]*eps[2*i], (1-tt[i])*x0[2*i+1] + tt[i]*eps[2*i+1]}
		for j := 0; j < 2; j++ {
			v := z[0]*w.W[j] + z[1]*w.W[2+j] + tt[i]*w.U[j] + w.B[j]
			d := v - (eps[2*i+j] - x0[2*i+j])
			want += d * d / 6
		}
	}
	store := model.NewStore()
	nets.SetLinear(store, "/net", w)
	l := FMLoss{Net: nets.Linear{Dim: 2}}
	out, err := model.CallOnce(b, store, func(root *model.Scope, a, s, e *Node) *Node { return l.LossAt(root.At("net"), a, s, e) },
		host.Tensor(x0, 3, 2), host.Tensor(tt, 3), host.Tensor(eps, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if got := float64(tensors.ToScalar[float32](out)); math.Abs(got-want) > 1e-5*want {
		t.Fatalf("loss %v, hand %v", got, want)
	}
}

// gaussVelocity is the exact flow-matching velocity of 1-D data N(μ, s²): with m = z − (1 − t)μ and
// V = (1 − t)²s² + t², E[x₀|z] = μ + (1 − t)s²m/V and E[ε|z] = t·m/V, so v = E[ε|z] − E[x₀|z].
func gaussVelocity(mu, s float64) VelocityFunc {
	return func(z []float64, dim int, t float64) []float64 {
		out := make([]float64, len(z))
		V := (1-t)*(1-t)*s*s + t*t
		for i, zi := range z {
			m := zi - (1-t)*mu
			out[i] = t*m/V - (mu + (1-t)*s*s*m/V)
		}
		return out
	}
}

// The conversion between the two time conventions is exact: FMDenoiser of the exact Gaussian velocity equals the
// exact EDM denoiser μ + s²/(s² + σ²)·(x − μ) to 1e-12 at every σ (an algebraic identity, float64 rounding only).
// FMTrajectory (Euler from t = 1, then 16 DPM-Solver++(3M) steps on the log-SNR grid 80 → 0.002, then the step to
// 0) has times 1, VEToFM(σ_k), 0 and equals, point for point, the same solver run on EDM time with the exact EDM
// denoiser from the exact start μ + ε·√(s² + 80²), mapped to flow-matching time: max difference ≤ 2e-4 for
// |ε| ≤ 3 (the only difference is the Euler step from t = 1, local error ε·(1−t₁)²s²/(2t₁) ≈ 6e-5; measured
// 5.8e-5 there). Against the exact flow map z_t = (1 − t)μ + ε·√((1 − t)²s² + t²) the error is the 16-step
// solver's own (≤ 0.06 at |ε| = 3; measured 0.049, as on EDM time).
func TestFMTimeConversionAndTrajectory(t *testing.T) {
	const mu, s = 0.3, 0.5
	v := gaussVelocity(mu, s)
	d := FMDenoiser(v)
	x := []float64{-3, 0.2, 7, 40}
	for _, sigma := range []float64{0.002, 0.1, 1, 10, 80} {
		got := d(x, 1, sigma)
		for i := range x {
			want := mu + s*s/(s*s+sigma*sigma)*(x[i]-mu)
			if math.Abs(got[i]-want) > 1e-12*(1+math.Abs(want)) {
				t.Errorf("σ=%v: D(%v) = %v, want %v", sigma, x[i], got[i], want)
			}
		}
	}
	if math.Abs(FMToVE(VEToFM(3.7))-3.7) > 1e-14 {
		t.Error("FMToVE ∘ VEToFM is not the identity")
	}
	eps := []float64{-3, -1, 0, 0.5, 2, 3}
	grid := append(solver.LogSNRGrid(80, 0.002, 16), 0)
	dpm := func(d solver.Denoiser, xT, g []float64) (*solver.Trajectory, error) {
		return solver.DPMSolverPP(d, xT, 1, g, 3, true)
	}
	tr, err := FMTrajectory(v, eps, 1, grid, dpm)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Times) != 19 || tr.Times[0] != 1 || tr.Times[18] != 0 || tr.NFE != 18 {
		t.Fatalf("times %v, NFE %d", tr.Times, tr.NFE)
	}
	xT := make([]float64, len(eps))
	for i, e := range eps {
		xT[i] = mu + e*math.Sqrt(s*s+80*80)
	}
	ve, err := dpm(solver.DenoiserFunc(func(x []float64, dim int, sigma float64) []float64 {
		out := make([]float64, len(x))
		for i := range x {
			out[i] = mu + s*s/(s*s+sigma*sigma)*(x[i]-mu)
		}
		return out
	}), xT, grid)
	if err != nil {
		t.Fatal(err)
	}
	var vsVE, vsExact float64
	for k, tk := range tr.Times {
		if k > 0 && math.Abs(tk-VEToFM(grid[k-1])) > 1e-15 {
			t.Errorf("time %d = %v, want %v", k, tk, VEToFM(grid[k-1]))
		}
		for i, e := range eps {
			if k > 0 {
				vsVE = max(vsVE, math.Abs(tr.States[k][i]-ve.States[k-1][i]/(1+grid[k-1])))
			}
			vsExact = max(vsExact, math.Abs(tr.States[k][i]-((1-tk)*mu+e*math.Sqrt((1-tk)*(1-tk)*s*s+tk*tk))))
		}
	}
	t.Logf("max difference from the EDM-time solve: %.2e; from the exact flow map: %.2e", vsVE, vsExact)
	if vsVE > 2e-4 {
		t.Errorf("differs from the EDM-time solve by %.2e > 2e-4", vsVE)
	}
	if vsExact > 0.06 {
		t.Errorf("differs from the exact flow map by %.2e > 0.06", vsExact)
	}
	if _, err := FMTrajectory(v, eps, 1, []float64{1, 2}, nil); err == nil {
		t.Error("ascending grid: want an error")
	}
}
