package solver

import (
	"math"
	"testing"
)

// Every intermediate state, not just the end, follows the exact flow
// Ψ_{T→t_k}(x_T). An error e_k at t_k reaches the end scaled by the flow's
// contraction √(s²+tMin²)/√(s²+t_k²), so intermediate errors are compared
// in those end units; the tolerance is the same as the end's: 1.5× the
// measured end error scale at 64 log-SNR steps (Euler 0.07, Heun 7e-3,
// 2M 3e-3, 3M 1.1e-3).
func TestTrajectoryFollowsFlow(t *testing.T) {
	xT := startPoints(6)
	grid := LogSNRGrid(tMax, tMin, 64)
	s := refGaussian.s
	cases := []struct {
		name string
		tr   *Trajectory
		tol  float64
		nfe  int
	}{
		{"Euler", Euler(refGaussian, xT, gDim, grid), 0.07, 64},
		{"Heun", Heun(refGaussian, xT, gDim, grid), 7e-3, 128},
		{"DPM++2M", must(DPMSolverPP(refGaussian, xT, gDim, grid, 2, true)), 3e-3, 64},
		{"DPM++3M", must(DPMSolverPP(refGaussian, xT, gDim, grid, 3, true)), 1.1e-3, 64},
	}
	for _, c := range cases {
		if len(c.tr.States) != len(grid) || len(c.tr.Times) != len(grid) || c.tr.N() != 6 || c.tr.Dim != gDim {
			t.Fatalf("%s: trajectory shape %d states, %d times, N %d", c.name, len(c.tr.States), len(c.tr.Times), c.tr.N())
		}
		if c.tr.NFE != c.nfe {
			t.Errorf("%s: NFE %d want %d", c.name, c.tr.NFE, c.nfe)
		}
		if maxAbsDiff(c.tr.States[0], xT) != 0 {
			t.Errorf("%s: States[0] is not x_T", c.name)
		}
		worst, worstK := 0.0, 0
		for k, tk := range c.tr.Times {
			want := refGaussian.flow(xT, gDim, tMax, tk)
			scale := math.Sqrt(s*s+tMin*tMin) / math.Sqrt(s*s+tk*tk)
			if e := maxAbsDiff(c.tr.States[k], want) * scale; e > worst {
				worst, worstK = e, k
			}
		}
		end := maxAbsDiff(c.tr.End(), refGaussian.flow(xT, gDim, tMax, tMin))
		t.Logf("%-8s end error %.2e, worst scaled state error %.2e at t=%.3g", c.name, end, worst, c.tr.Times[worstK])
		if worst > c.tol {
			t.Errorf("%s: state at t=%g off the exact flow by %.3g (end units) > %.3g", c.name, c.tr.Times[worstK], worst, c.tol)
		}
	}
}

func must(tr *Trajectory, err error) *Trajectory {
	if err != nil {
		panic(err)
	}
	return tr
}

// DenoiseTo appends exactly D(x_end, t_end) at the given time and counts one more NFE; for Gaussian data the jump
// from t_end = 1 is the exact posterior mean μ + s²/(s² + 1)(x − μ), per coordinate.
func TestDenoiseTo(t *testing.T) {
	xT := []float64{3, -1, 0.5, 2}
	grid := LogSNRGrid(80, 1, 8)
	tr, err := Solve("dpm3", refGaussian, xT, gDim, grid)
	if err != nil {
		t.Fatal(err)
	}
	nfe, end := tr.NFE, append([]float64(nil), tr.End()...)
	tr.DenoiseTo(refGaussian, 0.002)
	if len(tr.Times) != len(grid)+1 || len(tr.States) != len(grid)+1 || tr.Times[len(grid)] != 0.002 || tr.Times[len(grid)-1] != 1 || tr.NFE != nfe+1 {
		t.Fatalf("times %v, %d states, NFE %d (was %d)", tr.Times, len(tr.States), tr.NFE, nfe)
	}
	want := refGaussian.Denoise(end, gDim, 1)
	for i, v := range tr.End() {
		if v != want[i] {
			t.Fatalf("state %v, want D(x_end, 1) = %v", tr.End(), want)
		}
	}
}
