package solver

import (
	"testing"
)

// Solve is a name → solver dispatch used by the notebooks and the ablations: each name must run exactly the solver
// it names (bit-identical end points to the direct call), spend the NFE that solver spends, and an unknown name
// must be an error rather than a silent default.
func TestSolveDispatchesByName(t *testing.T) {
	xT := startPoints(4)
	grid := LogSNRGrid(tMax, tMin, 12)
	direct := map[string]*Trajectory{
		"euler": Euler(refGaussian, xT, gDim, grid),
		"heun":  Heun(refGaussian, xT, gDim, grid),
	}
	for _, o := range []int{1, 2, 3} {
		tr, err := DPMSolverPP(refGaussian, xT, gDim, grid, o, true)
		if err != nil {
			t.Fatal(err)
		}
		direct["dpm"+string(rune('0'+o))] = tr
	}
	tr, err := DPMSolverPPWith(refGaussian, xT, gDim, grid, DPMConfig{Order: 3, LowerOrderFinal: true, Taylor3: true})
	if err != nil {
		t.Fatal(err)
	}
	direct["dpm3-taylor"] = tr
	if len(direct) != len(Methods) {
		t.Fatalf("test covers %d methods, Methods lists %d", len(direct), len(Methods))
	}
	for _, m := range Methods {
		got, err := Solve(m, refGaussian, xT, gDim, grid)
		if err != nil {
			t.Fatal(m, err)
		}
		want := direct[m]
		if got.NFE != want.NFE || maxAbsDiff(got.End(), want.End()) != 0 {
			t.Fatalf("%s: NFE %d end %v; direct call NFE %d end %v", m, got.NFE, got.End(), want.NFE, want.End())
		}
	}
	if _, err := Solve("rk4", refGaussian, xT, gDim, grid); err == nil {
		t.Fatal("unknown method accepted")
	}
}

// EndErrors against the closed-form Gaussian flow map must reproduce what the convergence tests establish:
// Euler's error halves when the steps double (first order: ratio within [1.7, 2.3] from 64 to 128 steps), Heun's
// falls ~4× (ratio ≥ 3.2), and at equal NFE (32) DPM-Solver++ 3M beats Heun, which beats Euler. It also checks the
// NFE it reports (Heun: 2 per step) and that StepsForNFE inverts that cost.
func TestEndErrorsOrders(t *testing.T) {
	xT := startPoints(6)
	ref := refGaussian.flow(xT, gDim, tMax, tMin)
	pts, err := EndErrors(refGaussian, xT, gDim, tMax, tMin, ref, []string{"euler", "heun"}, []int{64, 128})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 4 || pts[0].Method != "euler" || pts[3].Method != "heun" || pts[3].Steps != 128 {
		t.Fatalf("unexpected layout %+v", pts)
	}
	if pts[1].NFE != 128 || pts[3].NFE != 256 {
		t.Fatalf("NFE: euler 128 steps %d (want 128), heun 128 steps %d (want 256)", pts[1].NFE, pts[3].NFE)
	}
	if r := pts[0].RMS / pts[1].RMS; r < 1.7 || r > 2.3 {
		t.Fatalf("Euler error ratio 64→128 steps %.2f, want ≈ 2", r)
	}
	if r := pts[2].RMS / pts[3].RMS; r < 3.2 {
		t.Fatalf("Heun error ratio 64→128 steps %.2f, want ≈ 4", r)
	}
	at := func(m string) float64 {
		p, err := EndErrors(refGaussian, xT, gDim, tMax, tMin, ref, []string{m}, []int{StepsForNFE(m, 32)})
		if err != nil {
			t.Fatal(err)
		}
		if p[0].NFE > 32 || p[0].NFE < 31 {
			t.Fatalf("%s: StepsForNFE(32) spent %d calls", m, p[0].NFE)
		}
		return p[0].RMS
	}
	e, h, d := at("euler"), at("heun"), at("dpm3")
	t.Logf("RMS error at 32 NFE: euler %.2e heun %.2e dpm3 %.2e", e, h, d)
	if !(d < h && h < e) {
		t.Fatalf("at 32 NFE want dpm3 < heun < euler, got %.2e %.2e %.2e", d, h, e)
	}
}
