package solver

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/data"
)

// gmmStart draws n start points from N(0, (tMax² + c)I), close to the
// 8-Gaussian marginal at tMax (c = R²/2 + s², the data variance).
func gmmStart(n int, c float64) []float64 {
	rng := rand.New(rand.NewPCG(21, 22))
	sd := math.Sqrt(tMax*tMax + c)
	x := make([]float64, 2*n)
	for i := range x {
		x[i] = sd * rng.NormFloat64()
	}
	return x
}

func rmsDist(a, b []float64, dim int) float64 {
	s := 0.0
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s / float64(len(a)/dim))
}

// With the exact 8-Gaussian denoiser (radius 1, std 0.1), 16-step
// DPM-Solver++(3M) on LogSNRGrid(80, 0.002, 16) ends close to a converged
// 4096-step Heun reference (itself within 1e-5 of 2048-step Heun). Measured:
// RMS point distance ≈ 0.011 and max coordinate error ≈ 0.041, i.e. about a
// tenth of the mode std; asserted RMS ≤ 0.02, max ≤ 0.06.
func TestDPMSolverOnEightGaussians(t *testing.T) {
	g := data.EightGaussians(data.DefaultRadius, data.DefaultStd)
	c := data.DefaultRadius*data.DefaultRadius/2 + data.DefaultStd*data.DefaultStd
	xT := gmmStart(128, c)
	ref := Heun(g, xT, 2, LogSNRGrid(tMax, tMin, 4096))
	half := Heun(g, xT, 2, LogSNRGrid(tMax, tMin, 2048)).End()
	if d := maxAbsDiff(ref.End(), half); d > 1e-5 {
		t.Fatalf("Heun reference not converged: 2048 vs 4096 steps differ by %.2e", d)
	}
	tr, err := DPMSolverPP(g, xT, 2, LogSNRGrid(tMax, tMin, 16), 3, true)
	if err != nil {
		t.Fatal(err)
	}
	if tr.NFE != 16 {
		t.Errorf("NFE %d want 16", tr.NFE)
	}
	rms, mx := rmsDist(tr.End(), ref.End(), 2), maxAbsDiff(tr.End(), ref.End())
	t.Logf("DPM-Solver++(3M, 16 steps) vs Heun(4096): RMS distance %.3e, max coord error %.3e (mode std %.2f)", rms, mx, data.DefaultStd)
	if rms > 0.02 || mx > 0.06 {
		t.Errorf("16-step DPM-Solver++ too far from the reference: RMS %.3g, max %.3g", rms, mx)
	}
	for _, o := range []int{1, 2} {
		other := must(DPMSolverPP(g, xT, 2, LogSNRGrid(tMax, tMin, 16), o, true)).End()
		t.Logf("  order %d, 16 steps: RMS %.3e, max %.3e", o, rmsDist(other, ref.End(), 2), maxAbsDiff(other, ref.End()))
	}
	tay := must(DPMSolverPPWith(g, xT, 2, LogSNRGrid(tMax, tMin, 16), DPMConfig{Order: 3, LowerOrderFinal: true, Taylor3: true})).End()
	t.Logf("  Taylor-3M, 16 steps: RMS %.3e, max %.3e", rmsDist(tay, ref.End(), 2), maxAbsDiff(tay, ref.End()))
	// The end points sit on the modes: mean distance to the nearest mode is
	// of the order of the mode std.
	modes, far := g.Modes(), 0
	for i := 0; i < tr.N(); i++ {
		best := math.Inf(1)
		for _, m := range modes {
			best = math.Min(best, math.Hypot(tr.End()[2*i]-m[0], tr.End()[2*i+1]-m[1]))
		}
		if best > 4*data.DefaultStd {
			far++
		}
	}
	if far > tr.N()/50 {
		t.Errorf("%d of %d end points farther than 4 std from every mode", far, tr.N())
	}
}

// On a non-Gaussian problem (8 modes, std 0.3, where the Gaussian test's
// order-4 superconvergence of Taylor-3M does not occur) the reference 3M
// form converges at order ≈ 2 and the Taylor form at ≈ 3. The reference
// solution is Taylor-3M with 16384 steps, cross-checked against 8192-step
// Heun to 1e-6. Slopes over 128..1024 steps; bounds [1.8, 2.3] and ≥ 2.6.
func TestThirdOrderOnMixture(t *testing.T) {
	g := data.EightGaussians(1, 0.3)
	xT := gmmStart(32, 0.5+0.09)
	ref := must(DPMSolverPPWith(g, xT, 2, LogSNRGrid(tMax, tMin, 16384), DPMConfig{Order: 3, Taylor3: true})).End()
	if d := maxAbsDiff(ref, Heun(g, xT, 2, LogSNRGrid(tMax, tMin, 8192)).End()); d > 1e-6 {
		t.Fatalf("mixture reference not converged: %.2e", d)
	}
	steps := []int{128, 256, 512, 1024}
	for _, c := range []struct {
		taylor bool
		lo, hi float64
	}{{false, 1.8, 2.3}, {true, 2.6, 3.6}} {
		errs := make([]float64, len(steps))
		for i, s := range steps {
			errs[i] = maxAbsDiff(must(DPMSolverPPWith(g, xT, 2, LogSNRGrid(tMax, tMin, s), DPMConfig{Order: 3, Taylor3: c.taylor})).End(), ref)
		}
		p := fitOrder(steps, errs)
		t.Logf("mixture 3M taylor=%v: errors %.2e, order %.2f", c.taylor, errs, p)
		if p < c.lo || p > c.hi {
			t.Errorf("taylor=%v: order %.3f outside [%.1f, %.1f]", c.taylor, p, c.lo, c.hi)
		}
	}
}
