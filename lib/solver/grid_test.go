package solver

import (
	"math"
	"testing"
)

func checkDescending(t *testing.T, name string, g []float64, steps int, hi, lo float64) {
	t.Helper()
	if len(g) != steps+1 {
		t.Fatalf("%s: %d points for %d steps", name, len(g), steps)
	}
	if g[0] != hi || g[steps] != lo {
		t.Errorf("%s: endpoints %g, %g want %g, %g", name, g[0], g[steps], hi, lo)
	}
	if err := CheckGrid(g); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

func TestLogSNRGrid(t *testing.T) {
	g := LogSNRGrid(80, 0.002, 16)
	checkDescending(t, "LogSNRGrid", g, 16, 80, 0.002)
	// Uniform in λ = −log t: constant ratio t_{k+1}/t_k = (0.002/80)^(1/16).
	want := math.Pow(0.002/80, 1.0/16)
	for k := 0; k < 16; k++ {
		if r := g[k+1] / g[k]; math.Abs(r-want) > 1e-12 {
			t.Errorf("ratio %d = %.15g want %.15g", k, r, want)
		}
	}
	checkDescending(t, "LogSNRGrid 1 step", LogSNRGrid(2, 1, 1), 1, 2, 1)
}

func TestKarrasGrid(t *testing.T) {
	g := KarrasGrid(80, 0.002, 18, 7)
	checkDescending(t, "KarrasGrid", g, 18, 80, 0.002)
	// Uniform in t^(1/ρ).
	a, b := math.Pow(80, 1.0/7), math.Pow(0.002, 1.0/7)
	for i, v := range g {
		if want := a + float64(i)/18*(b-a); math.Abs(math.Pow(v, 1.0/7)-want) > 1e-12 {
			t.Errorf("t_%d^(1/ρ) = %.15g want %.15g", i, math.Pow(v, 1.0/7), want)
		}
	}
	z := KarrasGrid(80, 0, 10, 7)
	checkDescending(t, "KarrasGrid to 0", z, 10, 80, 0)
	// ρ = 1 is uniform in t.
	u := KarrasGrid(4, 0, 4, 1)
	for i, v := range u {
		if math.Abs(v-float64(4-i)) > 1e-12 {
			t.Errorf("ρ=1 grid %v", u)
		}
	}
}

func TestGridPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"logsnr tMin 0":   func() { LogSNRGrid(80, 0, 4) },
		"logsnr reversed": func() { LogSNRGrid(1, 2, 4) },
		"logsnr steps 0":  func() { LogSNRGrid(80, 1, 0) },
		"karras negative": func() { KarrasGrid(80, -1, 4, 7) },
		"karras rho 0":    func() { KarrasGrid(80, 1, 4, 0) },
		"karras steps 0":  func() { KarrasGrid(80, 1, 0, 7) },
		"karras NaN":      func() { KarrasGrid(math.NaN(), 1, 4, 7) },
		"euler bad grid":  func() { Euler(refGaussian, []float64{0, 0}, 2, []float64{1, 2}) },
		"heun bad dim":    func() { Heun(refGaussian, []float64{0, 0, 0}, 2, []float64{2, 1}) },
		"euler bad denoiser": func() {
			Euler(DenoiserFunc(func(x []float64, d int, t float64) []float64 { return nil }), []float64{0, 0}, 2, []float64{2, 1})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: want panic", name)
				}
			}()
			f()
		}()
	}
}

func TestValidateAndErrors(t *testing.T) {
	x := []float64{1, 2}
	bad := map[string]struct {
		x    []float64
		dim  int
		grid []float64
	}{
		"dim 0":          {x, 0, []float64{2, 1}},
		"ragged":         {[]float64{1, 2, 3}, 2, []float64{2, 1}},
		"short grid":     {x, 2, []float64{2}},
		"ascending":      {x, 2, []float64{1, 2}},
		"repeated":       {x, 2, []float64{2, 2, 1}},
		"negative end":   {x, 2, []float64{2, -1}},
		"NaN":            {x, 2, []float64{2, math.NaN()}},
		"zero start":     {x, 2, []float64{0, -1}},
		"infinite start": {x, 2, []float64{math.Inf(1), 1}},
	}
	for name, b := range bad {
		if Validate(b.x, b.dim, b.grid) == nil {
			t.Errorf("Validate %s: want error", name)
		}
		if _, err := DPMSolverPP(refGaussian, b.x, b.dim, b.grid, 2, true); err == nil {
			t.Errorf("DPMSolverPP %s: want error", name)
		}
	}
	for _, o := range []int{0, 4, -1} {
		if _, err := DPMSolverPP(refGaussian, x, 2, []float64{2, 1}, o, true); err == nil {
			t.Errorf("order %d: want error", o)
		}
	}
	short := DenoiserFunc(func(x []float64, d int, t float64) []float64 { return x[:1] })
	if _, err := DPMSolverPP(short, x, 2, []float64{2, 1}, 1, false); err == nil {
		t.Error("short denoiser output: want error")
	}
}

// A grid ending at t = 0: Heun skips its last corrector (NFE 2·steps − 1),
// every DPM-Solver++ order ends at the denoiser output D(x, t_{K−2}) of its
// last state, and the end is close to the exact Ψ_{T→0} (measured: order 1
// 0.124, 2M 0.032, 3M 1.0e-4, Heun 0.028; tolerances 0.2, 0.05, 0.01, 0.05).
func TestGridToZero(t *testing.T) {
	xT := startPoints(4)
	grid := KarrasGrid(tMax, 0, 32, 7)
	want := refGaussian.flow(xT, gDim, tMax, 0)
	h := Heun(refGaussian, xT, gDim, grid)
	if h.NFE != 63 {
		t.Errorf("Heun NFE %d want 63", h.NFE)
	}
	for o := 1; o <= 3; o++ {
		tr := must(DPMSolverPP(refGaussian, xT, gDim, grid, o, false))
		last := tr.States[len(tr.States)-2]
		if d := maxAbsDiff(tr.End(), refGaussian.Denoise(last, gDim, grid[len(grid)-2])); d > 1e-15 {
			t.Errorf("order %d: final step is not D(x): %g", o, d)
		}
		e := maxAbsDiff(tr.End(), want)
		t.Logf("Karras grid to 0, 32 steps, order %d: end error %.3g", o, e)
		if tol := []float64{0, 0.2, 0.05, 0.01}[o]; e > tol {
			t.Errorf("order %d: end error %g > %g", o, e, tol)
		}
		assertAllFinite(t, tr)
	}
	e := maxAbsDiff(h.End(), want)
	t.Logf("Karras grid to 0, 32 steps, Heun: end error %.3g", e)
	if e > 0.05 {
		t.Errorf("Heun end error %g", e)
	}
}

func assertAllFinite(t *testing.T, tr *Trajectory) {
	t.Helper()
	for k, s := range tr.States {
		for _, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("state %d not finite", k)
			}
		}
	}
}

// NFE: one call per step for DPM-Solver++ including warm-up, two for Heun;
// DenoiserFunc forwards calls.
func TestNFEAndDenoiserFunc(t *testing.T) {
	calls := 0
	f := DenoiserFunc(func(x []float64, dim int, tt float64) []float64 {
		calls++
		return refGaussian.Denoise(x, dim, tt)
	})
	xT := startPoints(3)
	grid := LogSNRGrid(tMax, tMin, 10)
	tr := must(DPMSolverPP(f, xT, gDim, grid, 3, true))
	if tr.NFE != 10 || calls != 10 {
		t.Errorf("DPM NFE %d, calls %d, want 10", tr.NFE, calls)
	}
	calls = 0
	if h := Heun(f, xT, gDim, grid); h.NFE != 20 || calls != 20 {
		t.Errorf("Heun NFE %d, calls %d, want 20", h.NFE, calls)
	}
	if len(tr.Times) != 11 || tr.Times[0] != tMax || tr.Times[10] != tMin {
		t.Errorf("times %v", tr.Times)
	}
	// The input must not be aliased.
	xT[0] = 1e9
	if tr.States[0][0] == 1e9 {
		t.Error("States[0] aliases xT")
	}
}
