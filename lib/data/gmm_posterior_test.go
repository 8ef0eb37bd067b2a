package data

import (
	"math"
	"testing"
)

// Tweedie: D(x, t) = x + t²·∇log p_t(x). Denoise sums per-component
// posterior means, Score uses (m̄ − x)/v; both are rounding-level exact, so
// the relative tolerance is 1e-10 of max(|D|, 1).
func TestTweedie(t *testing.T) {
	g := EightGaussians(DefaultRadius, DefaultStd)
	x := testPoints()
	for _, tt := range []float64{1e-3, 0.01, 0.1, 0.5, 1, 5, 80} {
		d := g.Denoise(x, 2, tt)
		s := g.Score(x, 2, tt)
		for i := range x {
			want := x[i] + tt*tt*s[i]
			if diff := math.Abs(d[i] - want); diff > 1e-10*math.Max(1, math.Abs(d[i])) {
				t.Errorf("t=%g i=%d: D=%.17g, x+t²·score=%.17g", tt, i, d[i], want)
			}
		}
	}
}

// Score against a central difference of LogDensity with step h = 1e-4·√v
// (v = s²+t², the natural length scale). Truncation error is h²/6·|f”'|
// ≈ 1e-9/√v and round-off ε|f|/h ≈ 1e-11/√v, both far below the stated
// tolerance 1e-6·(|score| + 1/√v).
func TestScoreFiniteDifference(t *testing.T) {
	g := EightGaussians(DefaultRadius, DefaultStd)
	x := testPoints()
	n := len(x) / 2
	for _, tt := range []float64{0.02, 0.1, 0.3, 1, 5, 80} {
		v := g.Std*g.Std + tt*tt
		h := 1e-4 * math.Sqrt(v)
		s := g.Score(x, 2, tt)
		for i := 0; i < n; i++ {
			for j := 0; j < 2; j++ {
				xp := append([]float64(nil), x[2*i:2*i+2]...)
				xm := append([]float64(nil), xp...)
				xp[j] += h
				xm[j] -= h
				fd := (g.LogDensity(xp, 2, tt)[0] - g.LogDensity(xm, 2, tt)[0]) / (2 * h)
				got := s[2*i+j]
				tol := 1e-6 * (math.Abs(got) + 1/math.Sqrt(v))
				if math.Abs(fd-got) > tol {
					t.Errorf("t=%g point %d coord %d: score %.12g, finite difference %.12g (tol %.2g)", tt, i, j, got, fd, tol)
				}
			}
		}
	}
}

// LogDensity of a single component equals the Gaussian log density,
// to 1e-12 absolute.
func TestLogDensitySingleGaussian(t *testing.T) {
	g, err := NewGMM([][]float64{{0.3, -0.2}}, 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := testPoints()
	for _, tt := range []float64{0, 0.1, 2} {
		v := 0.25 + tt*tt
		ld := g.LogDensity(x, 2, tt)
		for i := range ld {
			dx, dy := x[2*i]-0.3, x[2*i+1]+0.2
			want := -(dx*dx+dy*dy)/(2*v) - math.Log(2*math.Pi*v)
			if math.Abs(ld[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("t=%g i=%d: %.15g want %.15g", tt, i, ld[i], want)
			}
		}
	}
}

// For one component the posterior mean is exactly linear,
// μ + s²/(s²+t²)(x − μ): Denoise matches it to 1e-12 relative. A Monte-Carlo
// check regresses x_0 on x_t over N = 200000 pairs; the fitted slope and
// intercept must match within 5 standard errors (slope SE ≈ √(s²t²/v)/(√N·√v)).
func TestDenoiseSingleGaussian(t *testing.T) {
	mu := []float64{0.3, -0.2}
	s := 0.5
	g, err := NewGMM([][]float64{mu}, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := testPoints()
	for _, tt := range []float64{1e-3, 0.2, 1, 80} {
		d := g.Denoise(x, 2, tt)
		k := s * s / (s*s + tt*tt)
		for i := range x {
			want := mu[i%2] + k*(x[i]-mu[i%2])
			if math.Abs(d[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("t=%g i=%d: D=%.17g want %.17g", tt, i, d[i], want)
			}
		}
	}

	// Monte-Carlo regression of x_0 on x_t, coordinate 0, at t = 0.7.
	const N = 200000
	tt := 0.7
	rng := newRNG(1)
	x0 := g.Sample(rng, N)
	var sx, sy, sxx, sxy float64
	for i := 0; i < N; i++ {
		a := x0[2*i] + tt*rng.NormFloat64() // x_t
		b := x0[2*i]                        // x_0
		sx += a
		sy += b
		sxx += a * a
		sxy += a * b
	}
	mx, my := sx/N, sy/N
	slope := (sxy/N - mx*my) / (sxx/N - mx*mx)
	icpt := my - slope*mx
	v := s*s + tt*tt
	wantSlope := s * s / v
	resid := math.Sqrt(s * s * tt * tt / v) // std of x_0 given x_t
	seSlope := resid / math.Sqrt(N*v)
	if math.Abs(slope-wantSlope) > 5*seSlope {
		t.Errorf("MC slope %.5f, want %.5f ± %.1g", slope, wantSlope, 5*seSlope)
	}
	wantIcpt := mu[0] * (1 - wantSlope)
	seIcpt := resid/math.Sqrt(N) + math.Abs(mu[0])*seSlope
	if math.Abs(icpt-wantIcpt) > 5*seIcpt {
		t.Errorf("MC intercept %.5f, want %.5f ± %.1g", icpt, wantIcpt, 5*seIcpt)
	}
}

// For 8 modes, the posterior mean at a point is checked against a
// self-normalised importance-sampling estimate Σ w_i x0_i / Σ w_i with
// x0_i ~ p_0 and w_i = N(x; x0_i, t²I); the tolerance is 5 estimated
// standard errors.
func TestDenoiseEightModesImportanceSampling(t *testing.T) {
	g := EightGaussians(DefaultRadius, DefaultStd)
	const N = 200000
	rng := newRNG(2)
	x0 := g.Sample(rng, N)
	pts := []float64{0.92, 0.38, 0, 0, -0.5, 1.2}
	for _, tt := range []float64{0.3, 1} {
		d := g.Denoise(pts, 2, tt)
		for p := 0; p < len(pts)/2; p++ {
			w := make([]float64, N)
			maxL := math.Inf(-1)
			for i := 0; i < N; i++ {
				dx, dy := pts[2*p]-x0[2*i], pts[2*p+1]-x0[2*i+1]
				w[i] = -(dx*dx + dy*dy) / (2 * tt * tt)
				maxL = math.Max(maxL, w[i])
			}
			var sw float64
			for i := range w {
				w[i] = math.Exp(w[i] - maxL)
				sw += w[i]
			}
			for j := 0; j < 2; j++ {
				est := 0.0
				for i := range w {
					est += w[i] * x0[2*i+j]
				}
				est /= sw
				varSum := 0.0
				for i := range w {
					e := w[i] * (x0[2*i+j] - est)
					varSum += e * e
				}
				se := math.Sqrt(varSum) / sw
				if math.Abs(d[2*p+j]-est) > 5*se+1e-12 {
					t.Errorf("t=%g point %d coord %d: D=%.5f, IS estimate %.5f ± %.1g", tt, p, j, d[2*p+j], est, se)
				}
			}
		}
	}
}

// E over x_t of D(x_t, t) equals E[x_0], the mixture mean (0 for the
// centred 8 modes), within 5 standard errors of the sample mean of D.
func TestDenoiseMeanSelfConsistency(t *testing.T) {
	g := EightGaussians(DefaultRadius, DefaultStd)
	const N = 100000
	rng := newRNG(3)
	mean := g.Mean()
	for _, tt := range []float64{0.01, 0.3, 2, 80} {
		xt := g.Sample(rng, N)
		for i := range xt {
			xt[i] += tt * rng.NormFloat64()
		}
		d := g.Denoise(xt, 2, tt)
		for j := 0; j < 2; j++ {
			col := make([]float64, N)
			for i := range col {
				col[i] = d[2*i+j]
			}
			m, se := meanSE(col)
			if math.Abs(m-mean[j]) > 5*se {
				t.Errorf("t=%g coord %d: mean D = %.5f, want %.5f ± %.1g", tt, j, m, mean[j], 5*se)
			}
		}
	}
}

// No NaN/Inf at the extremes of the noise range and far from every mode; at
// t = 1e-3 D ≈ x near the data, and D stays within the bound
// |D| ≤ |x|·s²/v + radius·t²/v implied by the closed form.
func TestDenoiseStability(t *testing.T) {
	g := EightGaussians(DefaultRadius, DefaultStd)
	far := []float64{1e3, 0, -1e6, 2e6, 0.92, 0.38, 0, 0, 3e100, -3e100}
	for _, tt := range []float64{1e-3, 80} {
		d := g.Denoise(far, 2, tt)
		s := g.Score(far[:8], 2, tt)
		ld := g.LogDensity(far[:8], 2, tt)
		assertFinite(t, "Denoise", d)
		assertFinite(t, "Score", s)
		assertFinite(t, "LogDensity", ld)
		v := g.Std*g.Std + tt*tt
		for i := 0; i < len(far)/2; i++ {
			nx := math.Hypot(far[2*i], far[2*i+1])
			nd := math.Hypot(d[2*i], d[2*i+1])
			if bound := nx*g.Std*g.Std/v + DefaultRadius*tt*tt/v; nd > bound*(1+1e-12) {
				t.Errorf("t=%g point %d: |D| = %g exceeds bound %g", tt, i, nd, bound)
			}
		}
	}
	// Near the data at t = 1e-3, D moves x by at most ≈ t²/v·|x − mode| ≈ 1e-4.
	d := g.Denoise([]float64{1, 0, 0.92, 0.38}, 2, 1e-3)
	if math.Abs(d[0]-1) > 1e-12 || math.Abs(d[2]-0.92) > 1e-4 {
		t.Errorf("t=1e-3: D = %v, want ≈ x", d)
	}
}
