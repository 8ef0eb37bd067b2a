package data

import (
	"math"
	"testing"
)

// The 8 equal modes on a circle of radius R have mean 0 and covariance
// (R²/2 + s²)·I; checked to 1e-14.
func TestEightGaussiansMoments(t *testing.T) {
	g := EightGaussians(DefaultRadius, DefaultStd)
	if g.Name() != "gmm8" || g.Dim() != 2 || g.K() != 8 || g.ModeStd() != DefaultStd {
		t.Fatalf("unexpected gmm8: name %q dim %d K %d std %g", g.Name(), g.Dim(), g.K(), g.ModeStd())
	}
	mu, c := g.Mean(), g.Cov()
	want := DefaultRadius*DefaultRadius/2 + DefaultStd*DefaultStd
	for i := 0; i < 2; i++ {
		if math.Abs(mu[i]) > 1e-15 {
			t.Errorf("mean[%d] = %g", i, mu[i])
		}
		for j := 0; j < 2; j++ {
			w := 0.0
			if i == j {
				w = want
			}
			if math.Abs(c[i][j]-w) > 1e-14 {
				t.Errorf("cov[%d][%d] = %.16g want %.16g", i, j, c[i][j], w)
			}
		}
	}
	modes := g.Modes()
	modes[0][0] = 99
	if g.Means[0][0] == 99 {
		t.Error("Modes must return copies")
	}
}

// The empirical mean and covariance of N samples match Mean() and Cov()
// within 5 standard errors, with the SE of each entry estimated from the
// samples themselves. Uses an asymmetric 3-component mixture.
func TestSampleMoments(t *testing.T) {
	g, err := NewGMM([][]float64{{0, 0}, {2, 1}, {-1, 3}}, 0.4, []float64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	const N = 200000
	x := g.Sample(newRNG(4), N)
	mu, c := g.Mean(), g.Cov()
	for i := 0; i < 2; i++ {
		col := make([]float64, N)
		for p := range col {
			col[p] = x[2*p+i]
		}
		m, se := meanSE(col)
		if math.Abs(m-mu[i]) > 5*se {
			t.Errorf("mean[%d] = %.4f want %.4f ± %.1g", i, m, mu[i], 5*se)
		}
		for j := 0; j < 2; j++ {
			prod := make([]float64, N)
			for p := range prod {
				prod[p] = (x[2*p+i] - mu[i]) * (x[2*p+j] - mu[j])
			}
			m, se := meanSE(prod)
			if math.Abs(m-c[i][j]) > 5*se {
				t.Errorf("cov[%d][%d] = %.4f want %.4f ± %.1g", i, j, m, c[i][j], 5*se)
			}
		}
	}
}

// For a single Gaussian the linear denoiser is the exact posterior mean:
// LinearDenoise equals Denoise to 1e-12 relative.
func TestLinearDenoiseSingleGaussian(t *testing.T) {
	g, err := NewGMM([][]float64{{0.3, -0.2}}, 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := testPoints()
	for _, tt := range []float64{0, 1e-3, 0.4, 3, 80} {
		a, b := g.LinearDenoise(x, 2, tt), g.Denoise(x, 2, tt)
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-12*math.Max(1, math.Abs(b[i])) {
				t.Errorf("t=%g i=%d: linear %.17g exact %.17g", tt, i, a[i], b[i])
			}
		}
	}
}

// For gmm8, Cov = c·I so LinearDenoise = c/(c+t²)·x (mean 0), to 1e-13; and
// at t = 80 it agrees with the exact Denoise to 1e-6 (both are
// x·Σ/t² + O(t⁻⁴)).
func TestLinearDenoiseEightModes(t *testing.T) {
	g := EightGaussians(DefaultRadius, DefaultStd)
	c := DefaultRadius*DefaultRadius/2 + DefaultStd*DefaultStd
	x := testPoints()
	for _, tt := range []float64{0.1, 1, 80} {
		l := g.LinearDenoise(x, 2, tt)
		for i := range x {
			if want := c / (c + tt*tt) * x[i]; math.Abs(l[i]-want) > 1e-13 {
				t.Errorf("t=%g i=%d: %.17g want %.17g", tt, i, l[i], want)
			}
		}
	}
	l, d := g.LinearDenoise(x, 2, 80), g.Denoise(x, 2, 80)
	for i := range l {
		if math.Abs(l[i]-d[i]) > 1e-6 {
			t.Errorf("t=80 i=%d: linear %.10g exact %.10g", i, l[i], d[i])
		}
	}
}

// An anisotropic 2-component mixture: LinearDenoise solves
// (Σ + t²I)y = x − μ correctly, checked by multiplying back, to 1e-12.
func TestLinearDenoiseSolve(t *testing.T) {
	g, err := NewGMM([][]float64{{-1, -0.5}, {1, 0.5}}, 0.2, []float64{1, 3})
	if err != nil {
		t.Fatal(err)
	}
	tt := 0.6
	x := testPoints()
	l := g.LinearDenoise(x, 2, tt)
	mu, c := g.Mean(), g.Cov()
	// D − μ = Σ y and (Σ + t²I) y = x − μ  ⇒  (Σ + t²I) Σ⁻¹ (D − μ) = x − μ,
	// i.e. (D − μ) + t² Σ⁻¹ (D − μ) = x − μ. Check with an explicit 2×2 inverse.
	det := c[0][0]*c[1][1] - c[0][1]*c[1][0]
	inv := [2][2]float64{{c[1][1] / det, -c[0][1] / det}, {-c[1][0] / det, c[0][0] / det}}
	for p := 0; p < len(x)/2; p++ {
		e := []float64{l[2*p] - mu[0], l[2*p+1] - mu[1]}
		for i := 0; i < 2; i++ {
			got := e[i] + tt*tt*(inv[i][0]*e[0]+inv[i][1]*e[1])
			if want := x[2*p+i] - mu[i]; math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("point %d coord %d: %.15g want %.15g", p, i, got, want)
			}
		}
	}
}

func TestNewGMMValidation(t *testing.T) {
	bad := []struct {
		name    string
		means   [][]float64
		std     float64
		weights []float64
	}{
		{"no means", nil, 1, nil},
		{"ragged", [][]float64{{0, 0}, {1}}, 1, nil},
		{"empty mean", [][]float64{{}}, 1, nil},
		{"negative std", [][]float64{{0}}, -1, nil},
		{"NaN std", [][]float64{{0}}, math.NaN(), nil},
		{"weight count", [][]float64{{0}, {1}}, 1, []float64{1}},
		{"negative weight", [][]float64{{0}, {1}}, 1, []float64{1, -1}},
		{"zero weights", [][]float64{{0}, {1}}, 1, []float64{0, 0}},
		{"NaN mean", [][]float64{{math.NaN()}}, 1, nil},
	}
	for _, b := range bad {
		if _, err := NewGMM(b.means, b.std, b.weights); err == nil {
			t.Errorf("%s: want error", b.name)
		}
	}
	if g, err := NewGMM([][]float64{{0}, {1}}, 0.1, []float64{0, 2}); err != nil {
		t.Errorf("valid mixture rejected: %v", err)
	} else if s := g.Sample(newRNG(5), 100); s[0] < 0.5 {
		t.Errorf("zero-weight component sampled: %v", s[0])
	}
}
