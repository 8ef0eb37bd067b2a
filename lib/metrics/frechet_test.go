package metrics

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomSPD returns a random d×d covariance A·Aᵀ/d + eps·I.
func randomSPD(seed uint64, d int, eps float64) *mat.SymDense {
	rng := newRand(seed)
	a := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	s := mat.NewSymDense(d, nil)
	s.SymOuterK(1/float64(d), a)
	for i := range d {
		s.SetSym(i, i, s.At(i, i)+eps)
	}
	return s
}

// relClose reports whether got and want agree to tol relative to scale.
func relClose(got, want, tol, scale float64) bool {
	return math.Abs(got-want) <= tol*scale
}

// TestFrechetSelfZero checks FrechetDistance(x, x) ≈ 0. Mathematically
// Bᵀ·Σ·B = diag(λ²), so the only error is eigen-solver round-off, a few ulps
// times dim relative to Tr(Σ): tolerance 1e-9·Tr(Σ).
func TestFrechetSelfZero(t *testing.T) {
	rng := newRand(31)
	for _, dim := range []int{1, 2, 10} {
		x := gaussianPoints(rng, 400, make([]float64, dim), 2)
		d, err := FrechetDistance(x, x, dim)
		if err != nil {
			t.Fatal(err)
		}
		_, cov, _ := Moments(x, dim)
		if tr := mat.Trace(cov); math.Abs(d) > 1e-9*tr {
			t.Errorf("dim %d: FrechetDistance(x, x) = %g, want 0 (±1e-9·%g)", dim, d, tr)
		}
	}
}

// TestMoments compares Moments with a direct two-loop mean and unbiased
// covariance on 1300 points (three 512-row chunks), to 1e-12 relative
// (different summation order only).
func TestMoments(t *testing.T) {
	const n, dim = 1300, 3
	x := gaussianPoints(newRand(32), n, []float64{1, -2, 3}, 1.5)
	mu, cov, err := Moments(x, dim)
	if err != nil {
		t.Fatal(err)
	}
	for k := range dim {
		want := 0.0
		for i := range n {
			want += x[i*dim+k]
		}
		want /= n
		if !relClose(mu[k], want, 1e-12, math.Abs(want)) {
			t.Errorf("mu[%d] = %v, want %v", k, mu[k], want)
		}
	}
	for a := range dim {
		for b := range dim {
			want := 0.0
			for i := range n {
				want += (x[i*dim+a] - mu[a]) * (x[i*dim+b] - mu[b])
			}
			want /= n - 1
			if !relClose(cov.At(a, b), want, 1e-12, 2.25) {
				t.Errorf("cov[%d,%d] = %v, want %v", a, b, cov.At(a, b), want)
			}
		}
	}
}

// TestFrechetCommutingDiagonal checks the closed form for diagonal
// covariances: Σ1 = diag(a, b), Σ2 = diag(c, d) commute, so
// Tr((Σ1Σ2)^{1/2}) = √(ac) + √(bd). Exact arithmetic up to round-off:
// 1e-12 relative.
func TestFrechetCommutingDiagonal(t *testing.T) {
	a, b, c, d := 2.0, 0.5, 3.0, 7.0
	mu1 := []float64{1, 2}
	mu2 := []float64{-1, 4}
	cov1 := mat.NewSymDense(2, []float64{a, 0, 0, b})
	cov2 := mat.NewSymDense(2, []float64{c, 0, 0, d})
	want := 4 + 4 + a + b + c + d - 2*(math.Sqrt(a*c)+math.Sqrt(b*d))
	got, err := FrechetFromMoments(mu1, cov1, mu2, cov2)
	if err != nil {
		t.Fatal(err)
	}
	if !relClose(got, want, 1e-12, want) {
		t.Errorf("got %.15g, want %.15g", got, want)
	}
}

// TestFrechetNonCommuting2D checks two non-commuting full 2×2 covariances
// against an independent closed form: M = Σ1Σ2 has non-negative eigenvalues
// λ1, λ2, so Tr(M^{1/2}) = √λ1 + √λ2 = sqrt(tr M + 2·sqrt(det M)), with
// tr M = Σ_ij Σ1_ij Σ2_ji and det M = det Σ1 · det Σ2. Tolerance 1e-12
// relative (round-off only).
func TestFrechetNonCommuting2D(t *testing.T) {
	s1 := []float64{2, 0.9, 0.9, 1}
	s2 := []float64{0.5, -0.3, -0.3, 3}
	cov1 := mat.NewSymDense(2, s1)
	cov2 := mat.NewSymDense(2, s2)
	trM := s1[0]*s2[0] + s1[1]*s2[2] + s1[2]*s2[1] + s1[3]*s2[3]
	detM := (s1[0]*s1[3] - s1[1]*s1[2]) * (s2[0]*s2[3] - s2[1]*s2[2])
	trSqrt := math.Sqrt(trM + 2*math.Sqrt(detM))
	mu1 := []float64{0.3, 0}
	mu2 := []float64{0, -0.4}
	want := 0.25 + s1[0] + s1[3] + s2[0] + s2[3] - 2*trSqrt
	for _, order := range []bool{false, true} {
		var got float64
		var err error
		if order {
			got, err = FrechetFromMoments(mu2, cov2, mu1, cov1)
		} else {
			got, err = FrechetFromMoments(mu1, cov1, mu2, cov2)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !relClose(got, want, 1e-12, want) {
			t.Errorf("swapped=%v: got %.15g, want %.15g", order, got, want)
		}
	}
}

// TestFrechetSingular checks the clamping of zero eigenvalues with a rank-1
// Σ1 = a·u·uᵀ (|u| = 1) in 5 dimensions and a random SPD Σ2: Σ1Σ2 has the
// single non-zero eigenvalue a·uᵀΣ2u, so
// Tr((Σ1Σ2)^{1/2}) = sqrt(a·uᵀΣ2u). Round-off in the zero eigenvalues of Σ1
// (≈1e-16) enters through square roots, so the tolerance is 1e-7 relative
// to Tr(Σ1) + Tr(Σ2).
func TestFrechetSingular(t *testing.T) {
	const d, a = 5, 2.5
	u := []float64{1, -2, 0.5, 3, 1}
	norm := 0.0
	for _, v := range u {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	for i := range u {
		u[i] /= norm
	}
	cov1 := mat.NewSymDense(d, nil)
	cov1.SymRankOne(cov1, a, mat.NewVecDense(d, u))
	cov2 := randomSPD(33, d, 0.1)
	uvec := mat.NewVecDense(d, u)
	quad := mat.Inner(uvec, cov2, uvec)
	mu := make([]float64, d)
	scale := mat.Trace(cov1) + mat.Trace(cov2)
	want := scale - 2*math.Sqrt(a*quad)
	for _, swapped := range []bool{false, true} {
		var got float64
		var err error
		if swapped {
			got, err = FrechetFromMoments(mu, cov2, mu, cov1)
		} else {
			got, err = FrechetFromMoments(mu, cov1, mu, cov2)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !relClose(got, want, 1e-7, scale) {
			t.Errorf("swapped=%v: got %.12g, want %.12g", swapped, got, want)
		}
	}
}

// TestFrechetHighDim checks 64-dimensional full covariances, the regime of
// image-feature FID:
//   - against an independent route through the Cholesky factor Σ1 = L·Lᵀ:
//     Σ1Σ2 is similar to the symmetric Lᵀ·Σ2·L, whose eigenvalues give the
//     trace of the square root;
//   - symmetry in the two arguments;
//   - the closed form for Σ2 = c²·Σ1: Tr((Σ1Σ2)^{1/2}) = c·Tr Σ1, so the
//     distance is |Δμ|² + (1−c)²·Tr Σ1.
//
// All three are exact in exact arithmetic; the tolerance 1e-9 relative to
// Tr Σ1 + Tr Σ2 covers eigensolver round-off in 64 dimensions with
// condition numbers ~10³.
func TestFrechetHighDim(t *testing.T) {
	const d = 64
	cov1 := randomSPD(34, d, 0.01)
	cov2 := randomSPD(35, d, 0.01)
	rng := newRand(36)
	mu1 := make([]float64, d)
	mu2 := make([]float64, d)
	dmu := 0.0
	for i := range d {
		mu1[i] = rng.NormFloat64()
		mu2[i] = rng.NormFloat64()
		dmu += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i])
	}
	scale := mat.Trace(cov1) + mat.Trace(cov2)

	var chol mat.Cholesky
	if !chol.Factorize(cov1) {
		t.Fatal("cov1 not positive definite")
	}
	var l mat.TriDense
	chol.LTo(&l)
	var tmp, prod mat.Dense
	tmp.Mul(cov2, &l)
	prod.Mul(l.T(), &tmp)
	sym := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			sym.SetSym(i, j, 0.5*(prod.At(i, j)+prod.At(j, i)))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		t.Fatal("eigendecomposition failed")
	}
	trSqrt := 0.0
	for _, v := range eig.RawValues() {
		trSqrt += math.Sqrt(max(v, 0))
	}
	want := dmu + scale - 2*trSqrt

	got12, err := FrechetFromMoments(mu1, cov1, mu2, cov2)
	if err != nil {
		t.Fatal(err)
	}
	got21, err := FrechetFromMoments(mu2, cov2, mu1, cov1)
	if err != nil {
		t.Fatal(err)
	}
	if !relClose(got12, want, 1e-9, scale) {
		t.Errorf("FD(1,2) = %.12g, Cholesky route %.12g", got12, want)
	}
	if !relClose(got12, got21, 1e-9, scale) {
		t.Errorf("FD(1,2) = %.12g, FD(2,1) = %.12g", got12, got21)
	}

	const c = 1.7
	cov3 := mat.NewSymDense(d, nil)
	cov3.ScaleSym(c*c, cov1)
	got, err := FrechetFromMoments(mu1, cov1, mu2, cov3)
	if err != nil {
		t.Fatal(err)
	}
	if want := dmu + (1-c)*(1-c)*mat.Trace(cov1); !relClose(got, want, 1e-9, scale) {
		t.Errorf("FD(Σ, c²Σ) = %.12g, want %.12g", got, want)
	}
}

// TestFrechetSamples2D compares FrechetDistance on n = 20000 samples from
// each of two 2D Gaussians with full covariances with the exact value from
// FrechetFromMoments on the true moments.
//
// Tolerance: 5 standard deviations of the estimator plus a bias allowance.
// The sd is estimated from 12 replicates at n = 2000 and scaled by
// √(2000/20000) (moment estimates have O(1/√n) error and the distance is a
// smooth function of them). The plug-in estimator's bias is O(1/n), so the
// replicate mean's distance from the truth at n = 2000 bounds it at n = 20000.
func TestFrechetSamples2D(t *testing.T) {
	s1 := []float64{2, 0.9, 0.9, 1}
	s2 := []float64{0.5, -0.3, -0.3, 3}
	mu1 := []float64{0, 0}
	mu2 := []float64{1, -0.5}
	truth, err := FrechetFromMoments(mu1, mat.NewSymDense(2, s1), mu2, mat.NewSymDense(2, s2))
	if err != nil {
		t.Fatal(err)
	}
	// sample draws n points of N(mu, s) using the 2×2 Cholesky factor.
	sample := func(seed uint64, n int, mu, s []float64) []float64 {
		rng := newRand(seed)
		l00 := math.Sqrt(s[0])
		l10 := s[1] / l00
		l11 := math.Sqrt(s[3] - l10*l10)
		x := make([]float64, 2*n)
		for i := range n {
			z0, z1 := rng.NormFloat64(), rng.NormFloat64()
			x[2*i] = mu[0] + l00*z0
			x[2*i+1] = mu[1] + l10*z0 + l11*z1
		}
		return x
	}
	est := func(seed uint64, n int) float64 {
		d, err := FrechetDistance(sample(seed, n, mu1, s1), sample(seed+1<<32, n, mu2, s2), 2)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	reps := make([]float64, 12)
	for r := range reps {
		reps[r] = est(uint64(400+r), 2000)
	}
	mean2000, sd2000 := meanStd(reps)
	tol := 5*sd2000*math.Sqrt(2000.0/20000) + math.Abs(mean2000-truth)
	got := est(41, 20000)
	t.Logf("FD samples %.5f, exact %.5f, tol %.5f", got, truth, tol)
	if math.Abs(got-truth) > tol {
		t.Errorf("FD from samples %.5f, want %.5f ± %.5f", got, truth, tol)
	}
}

// TestFrechetErrors checks that bad input is rejected with an error.
func TestFrechetErrors(t *testing.T) {
	good := []float64{0, 0, 1, 1, 2, 0}
	if _, err := FrechetDistance(good, []float64{0, math.NaN(), 1, 1}, 2); err == nil {
		t.Error("NaN in y: no error")
	}
	if _, err := FrechetDistance(good, []float64{0, 1, 2}, 2); err == nil {
		t.Error("len(y) not a multiple of dim: no error")
	}
	if _, err := FrechetDistance(good, []float64{0, 1}, 2); err == nil {
		t.Error("single sample: no error")
	}
	if _, _, err := Moments(good, 0); err == nil {
		t.Error("Moments dim 0: no error")
	}
	c2 := mat.NewSymDense(2, []float64{1, 0, 0, 1})
	c3 := mat.NewSymDense(3, nil)
	if _, err := FrechetFromMoments([]float64{0, 0}, c2, []float64{0, 0, 0}, c3); err == nil {
		t.Error("dimension mismatch: no error")
	}
	if _, err := FrechetFromMoments([]float64{0, 0}, c2, []float64{0, 0}, nil); err == nil {
		t.Error("nil covariance: no error")
	}
	if _, err := FrechetFromMoments([]float64{0, math.NaN()}, c2, []float64{0, 0}, c2); err == nil {
		t.Error("NaN mean: no error")
	}
	bad := mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1})
	if _, err := FrechetFromMoments([]float64{0, 0}, c2, []float64{0, 0}, bad); err == nil {
		t.Error("NaN covariance: no error")
	}
}
