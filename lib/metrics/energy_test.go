package metrics

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// TestEnergyDistanceSelfZero checks that D²(x, x) is 0 for every dim branch
// (1, 2 and the general loop), to 1e-12 absolute: the cross mean sums all
// n² ordered pairs and the within-set means each unordered pair once, doubled,
// so 2a − a − a cancels up to round-off of sums of 700² terms of order 1
// (about 1e-15); a dropped or double-counted pair costs about 1e-6.
func TestEnergyDistanceSelfZero(t *testing.T) {
	rng := newRand(1)
	for _, dim := range []int{1, 2, 3, 5} {
		x := gaussianPoints(rng, 700, make([]float64, dim), 1.3)
		d, err := EnergyDistance(x, x, dim)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(d) > 1e-12 {
			t.Errorf("dim %d: EnergyDistance(x, x) = %g, want 0", dim, d)
		}
		// A copy in a different slice must give the same exact zero.
		y := append([]float64(nil), x...)
		d2, err := EnergyDistance(x, y, dim)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(d2) > 1e-12 {
			t.Errorf("dim %d: EnergyDistance(x, copy of x) = %g, want 0", dim, d2)
		}
	}
}

// bruteDistSum is Σ_i Σ_j |a_i − b_j| by a direct double loop over all pairs.
func bruteDistSum(a, b []float64, dim int) float64 {
	s := 0.0
	for i := 0; i < len(a); i += dim {
		for j := 0; j < len(b); j += dim {
			q := 0.0
			for k := range dim {
				d := a[i+k] - b[j+k]
				q += d * d
			}
			s += math.Sqrt(q)
		}
	}
	return s
}

// TestEnergyDistanceBruteForce compares both estimators with a direct double
// loop over all pairs on small sets of unequal sizes, for each dim branch.
// Both sums use the same ~10⁴ terms in a different order, so they agree to
// round-off: 1e-12 relative. The U-statistic's within-set sums run over
// i ≠ j only and are divided by n(n−1).
func TestEnergyDistanceBruteForce(t *testing.T) {
	rng := newRand(2)
	for _, dim := range []int{1, 2, 4} {
		// 301 rows: several 64-row blocks plus a remainder, and an odd m for
		// the unrolled dim-2 loop.
		x := gaussianPoints(rng, 301, make([]float64, dim), 1)
		mu := make([]float64, dim)
		mu[0] = 0.7
		y := gaussianPoints(rng, 157, mu, 1.5)
		n, m := float64(len(x)/dim), float64(len(y)/dim)
		sxy, sxx, syy := bruteDistSum(x, y, dim), bruteDistSum(x, x, dim), bruteDistSum(y, y, dim)
		// The i == j terms of sxx and syy are exactly 0; subtract them anyway to state the U-statistic's sums.
		var diag float64
		for _, a := range [][]float64{x, y} {
			for i := 0; i < len(a); i += dim {
				diag += bruteDistSum(a[i:i+dim], a[i:i+dim], dim)
			}
		}
		for _, c := range []struct {
			name string
			f    func(x, y []float64, dim int) (float64, error)
			want float64
		}{
			{"V", EnergyDistance, 2*sxy/(n*m) - sxx/(n*n) - syy/(m*m)},
			{"U", EnergyDistanceU, 2*sxy/(n*m) - (sxx-diag)/(n*(n-1)) - syy/(m*(m-1))},
		} {
			got, err := c.f(x, y, dim)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-c.want) > 1e-12*math.Abs(c.want) {
				t.Errorf("%s, dim %d: got %.15g, brute force %.15g", c.name, dim, got, c.want)
			}
		}
	}
}

// normalAbsMean returns E|Z| for Z ~ N(m, v):
// sqrt(2v/π)·exp(−m²/(2v)) + m·(1 − 2Φ(−m/√v)).
func normalAbsMean(m, v float64) float64 {
	phi := 0.5 * math.Erfc(m/math.Sqrt(v)/math.Sqrt2) // Φ(−m/√v)
	return math.Sqrt(2*v/math.Pi)*math.Exp(-m*m/(2*v)) + m*(1-2*phi)
}

// besselI returns the modified Bessel function I_nu(z) for nu ∈ {0, 1} from
// its power series Σ_k (z/2)^(2k+nu) / (k!(k+nu)!), adequate for z ≲ 30.
func besselI(nu int, z float64) float64 {
	h := z / 2
	term := 1.0
	if nu == 1 {
		term = h
	}
	s := term
	for k := 1; k < 200; k++ {
		term *= h * h / (float64(k) * float64(k+nu))
		s += term
		if term < 1e-17*s {
			break
		}
	}
	return s
}

// riceMean returns E|Z| for Z ~ N(μ, σ²·I₂) with |μ| = nu (the mean of the
// Rice distribution): σ·sqrt(π/2)·L_{1/2}(−nu²/(2σ²)), where
// L_{1/2}(x) = e^{x/2}·[(1−x)·I0(−x/2) − x·I1(−x/2)].
func riceMean(nu, sigma float64) float64 {
	x := -nu * nu / (2 * sigma * sigma)
	l := math.Exp(x/2) * ((1-x)*besselI(0, -x/2) - x*besselI(1, -x/2))
	return sigma * math.Sqrt(math.Pi/2) * l
}

// TestRiceMeanReference checks the 2D reference against two exact values:
// for nu = 0 the Rayleigh mean σ·sqrt(π/2), and for large nu the expansion
// nu + σ²/(2·nu) (error O(σ⁴/nu³), 1e-4 at nu = 20, σ = 1).
func TestRiceMeanReference(t *testing.T) {
	if got, want := riceMean(0, 1.7), 1.7*math.Sqrt(math.Pi/2); math.Abs(got-want) > 1e-14 {
		t.Errorf("riceMean(0) = %v, want %v", got, want)
	}
	if got, want := riceMean(20, 1), 20+1.0/40; math.Abs(got-want) > 1e-4 {
		t.Errorf("riceMean(20) = %v, want ≈ %v", got, want)
	}
}

// energyDist is the signature of EnergyDistance and EnergyDistanceU.
type energyDist func(x, y []float64, dim int) (float64, error)

// energyOverSeeds returns the estimates of est over seeds when each set has n
// points drawn by gen.
func energyOverSeeds(t *testing.T, est energyDist, dim, n, seeds int, gen func(seed uint64, n int) (x, y []float64)) []float64 {
	t.Helper()
	v := make([]float64, seeds)
	for s := range seeds {
		x, y := gen(uint64(1000+s), n)
		d, err := est(x, y, dim)
		if err != nil {
			t.Fatal(err)
		}
		v[s] = d
	}
	return v
}

// energySpread returns the standard deviation of est over seeds when each
// set has n points drawn by gen.
func energySpread(t *testing.T, est energyDist, dim, n, seeds int, gen func(seed uint64, n int) (x, y []float64)) float64 {
	t.Helper()
	_, sd := meanStd(energyOverSeeds(t, est, dim, n, seeds, gen))
	return sd
}

// TestEnergyDistanceGaussian1D compares the estimate from n = 4000 samples
// of N(0, s²) and N(Δ, s²) with the closed form
//
//	D² = 2·E|N(Δ, 2s²)| − 2·E|N(0, 2s²)|.
//
// Tolerance: the V-statistic has the known bias (E|X−X'| + E|Y−Y'|)/n, which
// is added to the reference; the U-statistic has none. Its standard deviation is estimated in the test
// from 16 independent replicates at n = 1000 and scaled by √(1000/4000)
// (for D² > 0 the estimator is asymptotically normal with sd ∝ 1/√n). We
// allow 5 such standard deviations, leaving room for the ~20% uncertainty
// of a 16-sample sd estimate.
func TestEnergyDistanceGaussian1D(t *testing.T) {
	const s, delta = 1.0, 0.8
	gen := func(seed uint64, n int) ([]float64, []float64) {
		rng := newRand(seed)
		return gaussianPoints(rng, n, []float64{0}, s), gaussianPoints(rng, n, []float64{delta}, s)
	}
	within := normalAbsMean(0, 2*s*s)
	truth := 2*normalAbsMean(delta, 2*s*s) - 2*within

	checkClosedForm(t, "1D", 1, 4000, 1000, 7, gen, truth, within)
}

// checkClosedForm draws n points per set from gen with seed, and checks both
// estimators against the closed form truth: the V-statistic (EnergyDistance)
// plus its bias 2·within/n, where within = E|X−X'| = E|Y−Y'|, and the
// U-statistic (EnergyDistanceU), which is unbiased, against truth itself.
// The tolerance is 5 standard deviations of the estimator, measured over 16
// replicates at nSpread points and scaled by √(nSpread/n).
func checkClosedForm(t *testing.T, name string, dim, n, nSpread int, seed uint64, gen func(seed uint64, n int) (x, y []float64), truth, within float64) {
	t.Helper()
	x, y := gen(seed, n)
	for _, c := range []struct {
		est  string
		f    energyDist
		bias float64
	}{{"V", EnergyDistance, 2 * within / float64(n)}, {"U", EnergyDistanceU, 0}} {
		got, err := c.f(x, y, dim)
		if err != nil {
			t.Fatal(err)
		}
		expected := truth + c.bias
		sd := energySpread(t, c.f, dim, nSpread, 16, gen) * math.Sqrt(float64(nSpread)/float64(n))
		tol := 5 * sd
		t.Logf("%s, %s: estimate %.5f, closed form %.5f (+bias %.5f), sd %.5f", name, c.est, got, truth, c.bias, sd)
		if math.Abs(got-expected) > tol {
			t.Errorf("%s energy distance (%s-statistic) %.5f, want %.5f ± %.5f", name, c.est, got, expected, tol)
		}
	}
}

// TestEnergyDistanceGaussian2D uses two isotropic 2D Gaussians N(0, s²I) and
// N(Δ·e₁, s²I). X−Y ~ N(Δe₁, 2s²I), so E|X−Y| is a Rice mean and
// E|X−X'| a Rayleigh mean, giving the closed form
// D² = 2·Rice(Δ, √2·s) − 2·Rice(0, √2·s).
//
// It checks (a) both estimates at Δ = 1 with n = 2000 against this closed
// form (bias and 5-sd tolerance derived as in the 1D test, sd measured at n = 500
// and scaled by 1/2), and (b) that with common random numbers the estimate is
// strictly increasing over Δ ∈ {0, 0.25, 0.5, 1, 2}.
func TestEnergyDistanceGaussian2D(t *testing.T) {
	const s = 1.0
	sig := math.Sqrt2 * s
	const n = 2000

	const delta = 1.0
	gen := func(seed uint64, n int) ([]float64, []float64) {
		rng := newRand(seed)
		return gaussianPoints(rng, n, []float64{0, 0}, s), gaussianPoints(rng, n, []float64{delta, 0}, s)
	}
	within := riceMean(0, sig)
	truth := 2*riceMean(delta, sig) - 2*within
	checkClosedForm(t, "2D", 2, n, 500, 11, gen, truth, within)
	x, _ := gen(11, n)

	// Monotonicity: y is the same base sample shifted by each Δ.
	base := gaussianPoints(newRand(12), n, []float64{0, 0}, s)
	prev := -1.0
	for _, d := range []float64{0, 0.25, 0.5, 1, 2} {
		y := append([]float64(nil), base...)
		for i := 0; i < len(y); i += 2 {
			y[i] += d
		}
		e, err := EnergyDistance(x, y, 2)
		if err != nil {
			t.Fatal(err)
		}
		if e <= prev {
			t.Errorf("not increasing in the shift: D²(Δ=%g) = %g ≤ %g", d, e, prev)
		}
		prev = e
	}
}

// TestEnergyDistanceErrors checks that bad input is rejected with an error.
func TestEnergyDistanceErrors(t *testing.T) {
	good := []float64{0, 0, 1, 1}
	nan := []float64{0, math.NaN(), 1, 1}
	cases := []struct {
		name string
		x, y []float64
		dim  int
	}{
		{"dim zero", good, good, 0},
		{"dim negative", good, good, -2},
		{"empty x", nil, good, 2},
		{"empty y", good, []float64{}, 2},
		{"len(y) not multiple of dim", good, []float64{0, 0, 1}, 2},
		{"dim mismatch", good, good, 3},
		{"NaN in x", nan, good, 2},
		{"NaN in y", good, nan, 2},
		{"Inf in y", good, []float64{0, math.Inf(1), 1, 1}, 2},
	}
	for _, c := range cases {
		if _, err := EnergyDistance(c.x, c.y, c.dim); err == nil {
			t.Errorf("%s: no error", c.name)
		}
		if _, err := EnergyDistanceU(c.x, c.y, c.dim); err == nil {
			t.Errorf("%s: no error from EnergyDistanceU", c.name)
		}
	}
	for _, f := range []energyDist{EnergyDistance, EnergyDistanceU} {
		if _, err := f(good, nan, 2); !errors.Is(err, errNaN) {
			t.Errorf("NaN error %v does not say the samples contain NaN", err)
		}
	}
	// The U-statistic divides the within-set sums by n(n−1): one point is not enough.
	if _, err := EnergyDistanceU([]float64{0, 0}, good, 2); err == nil {
		t.Error("EnergyDistanceU with a single point in x: no error")
	}
	if _, err := EnergyDistance([]float64{0, 0}, good, 2); err != nil {
		t.Errorf("EnergyDistance with a single point in x: %v", err)
	}
}

// TestEnergyDistanceUZeroMean checks that the U-statistic is unbiased for two
// samples of the same law (population D² = 0), where the V-statistic is not.
// Over 2000 seeds, two sets of n = 100 points of N(0, I₂): the U-statistic's
// mean is −2.9e-4 with standard error 4.3e-4 (−0.68 standard errors from 0;
// the test allows 3); the V-statistic's mean on the same sets is 0.0352
// (standard error 4.2e-4), its bias 2·E|X−X'|/n = 2·√π/100 = 0.0354 (the
// Rayleigh mean of X−X' ~ N(0, 2I) is √π) within 0.67 standard errors, 83
// standard errors from 0: a bias of that size would not pass.
func TestEnergyDistanceUZeroMean(t *testing.T) {
	const n, seeds = 100, 2000
	gen := func(seed uint64, n int) ([]float64, []float64) {
		rng := newRand(seed)
		return gaussianPoints(rng, n, []float64{0, 0}, 1), gaussianPoints(rng, n, []float64{0, 0}, 1)
	}
	mu, sdU := meanStd(energyOverSeeds(t, EnergyDistanceU, 2, n, seeds, gen))
	seU := sdU / math.Sqrt(seeds)
	mv, sdV := meanStd(energyOverSeeds(t, EnergyDistance, 2, n, seeds, gen))
	seV := sdV / math.Sqrt(seeds)
	bias := 2 * math.Sqrt(math.Pi) / n
	t.Logf("U: mean %.3g, se %.3g (%.2f se from 0); V: mean %.4g, se %.3g, bias %.4g (%.2f se from it, %.0f se from 0)",
		mu, seU, mu/seU, mv, seV, bias, (mv-bias)/seV, mv/seV)
	if math.Abs(mu) > 3*seU {
		t.Errorf("U-statistic mean over %d seeds %.3g, want 0 ± %.3g (3 standard errors)", seeds, mu, 3*seU)
	}
	if math.Abs(mv-bias) > 3*seV {
		t.Errorf("V-statistic mean over %d seeds %.4g, want its bias %.4g ± %.3g", seeds, mv, bias, 3*seV)
	}
}

// BenchmarkEnergyDistance5000 measures n = m = 5000 points in 2D
// (75·10⁶ pair distances), for each estimator (the same pair sums).
func BenchmarkEnergyDistance5000(b *testing.B) {
	rng := newRand(3)
	x := gaussianPoints(rng, 5000, []float64{0, 0}, 1)
	y := gaussianPoints(rng, 5000, []float64{0.5, 0}, 1)
	for _, c := range []struct {
		name string
		f    energyDist
	}{{"V", EnergyDistance}, {"U", EnergyDistanceU}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.f(x, y, 2); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// ExampleEnergyDistance compares two pairs of points on the unit square:
// x = {(0,0), (1,0)} and y = {(0,1), (1,1)}. E|X−Y| = (1+√2)/2 and
// E|X−X'| = E|Y−Y'| = 1/2, so D² = √2.
func ExampleEnergyDistance() {
	x := []float64{0, 0, 1, 0}
	y := []float64{0, 1, 1, 1}
	d2, err := EnergyDistance(x, y, 2)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.6f\n", d2)
	// Output: 1.414214
}

// TestEnergyRef checks that a cached reference set gives bitwise the same
// values as EnergyDistance and EnergyDistanceU for several sample sets.
func TestEnergyRef(t *testing.T) {
	rng := newRand(4)
	y := gaussianPoints(rng, 257, []float64{0, 0}, 1)
	ref, err := NewEnergyRef(y, 2)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		x := gaussianPoints(rng, 100+50*k, []float64{0.3 * float64(k), 0}, 1)
		v, _ := EnergyDistance(x, y, 2)
		u, _ := EnergyDistanceU(x, y, 2)
		rv, err := ref.V(x)
		if err != nil {
			t.Fatal(err)
		}
		ru, err := ref.U(x)
		if err != nil {
			t.Fatal(err)
		}
		if rv != v || ru != u {
			t.Errorf("set %d: cached V, U = %.17g, %.17g; direct %.17g, %.17g", k, rv, ru, v, u)
		}
	}
	one, _ := NewEnergyRef([]float64{0, 0}, 2)
	if _, err := one.U(y); err == nil {
		t.Error("U against a one-point reference: no error")
	}
	if _, err := ref.V([]float64{0, 0, 1}); err == nil {
		t.Error("V with a ragged x: no error")
	}
}
