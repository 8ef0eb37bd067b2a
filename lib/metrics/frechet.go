package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// FrechetDistance returns the Fréchet (2-Wasserstein) distance between the
// Gaussians fitted to x, of shape [n*dim], and y, of shape [m*dim]
// (row-major):
//
//	||μx − μy||² + Tr(Σx + Σy − 2·(Σx·Σy)^{1/2})
//
// where μ and Σ are the sample means and unbiased (n−1) sample covariances
// computed by Moments. Like FID it is the squared distance. Both sets need
// at least 2 points; other bad inputs are those listed at EnergyDistance.
func FrechetDistance(x, y []float64, dim int) (float64, error) {
	mu1, cov1, err := moments("x", x, dim)
	if err != nil {
		return 0, err
	}
	mu2, cov2, err := moments("y", y, dim)
	if err != nil {
		return 0, err
	}
	return FrechetFromMoments(mu1, cov1, mu2, cov2)
}

// momentChunkRows is the number of centred rows gathered at a time for the
// covariance rank-k update, bounding the scratch memory to
// momentChunkRows·dim floats.
const momentChunkRows = 512

// Moments returns the sample mean, of length dim, and the unbiased sample
// covariance (normalised by n−1), of size dim×dim, of the points x of shape
// [n*dim] (row-major). It needs n ≥ 2 and finite samples.
//
// The covariance is computed in two passes (mean first, then centred
// products) with BLAS rank-k updates over chunks of rows, so it is suitable
// for feature vectors with thousands of dimensions.
func Moments(x []float64, dim int) ([]float64, *mat.SymDense, error) {
	return moments("samples", x, dim)
}

// moments implements Moments; name identifies x in error messages.
func moments(name string, x []float64, dim int) ([]float64, *mat.SymDense, error) {
	n, err := checkPoints(name, x, dim)
	if err != nil {
		return nil, nil, err
	}
	if n < 2 {
		return nil, nil, fmt.Errorf("metrics: covariance of %s needs at least 2 samples, got %d", name, n)
	}
	mu := make([]float64, dim)
	for i := 0; i < len(x); i += dim {
		for k, v := range x[i : i+dim] {
			mu[k] += v
		}
	}
	for k := range mu {
		mu[k] /= float64(n)
	}

	cov := mat.NewSymDense(dim, nil)
	rows := min(momentChunkRows, n)
	buf := make([]float64, rows*dim)
	for lo := 0; lo < n; lo += rows {
		hi := min(lo+rows, n)
		c := buf[:(hi-lo)*dim]
		for i, v := range x[lo*dim : hi*dim] {
			c[i] = v - mu[i%dim]
		}
		chunk := mat.NewDense(hi-lo, dim, c)
		// cov += chunkᵀ·chunk
		cov.SymRankK(cov, 1, chunk.T())
	}
	cov.ScaleSym(1/float64(n-1), cov)
	return mu, cov, nil
}

// FrechetFromMoments returns the Fréchet distance between N(mu1, cov1) and
// N(mu2, cov2):
//
//	||mu1 − mu2||² + Tr(cov1) + Tr(cov2) − 2·Tr((cov1·cov2)^{1/2})
//
// The means have length d and the covariances are d×d symmetric positive
// semi-definite matrices.
//
// The trace of the matrix square root is computed without forming the
// non-symmetric product cov1·cov2: with S = cov1^{1/2}, the symmetric square
// root obtained from the eigendecomposition cov1 = V·diag(λ)·Vᵀ
// (mat.EigenSym), cov1·cov2 is similar to the symmetric PSD matrix S·cov2·S,
// so Tr((cov1·cov2)^{1/2}) is the sum of the square roots of the eigenvalues
// of S·cov2·S. Those eigenvalues are taken from the orthogonally similar
// matrix Bᵀ·cov2·B with B = V·diag(√λ) (= Vᵀ·S·cov2·S·V), which saves one
// d×d matrix product. Tiny negative eigenvalues produced by round-off (e.g. for
// singular covariances estimated from fewer samples than dimensions) are
// clamped to 0 in both decompositions, and a result that round-off makes
// slightly negative is returned as 0.
//
// It returns an error when the sizes disagree, a covariance is nil or empty,
// an entry is NaN or infinite, or an eigendecomposition fails.
func FrechetFromMoments(mu1 []float64, cov1 *mat.SymDense, mu2 []float64, cov2 *mat.SymDense) (float64, error) {
	if cov1 == nil || cov2 == nil || cov1.IsEmpty() || cov2.IsEmpty() {
		return 0, fmt.Errorf("metrics: covariance is nil or empty")
	}
	d := len(mu1)
	if d == 0 {
		return 0, fmt.Errorf("metrics: mean is empty")
	}
	if len(mu2) != d || cov1.SymmetricDim() != d || cov2.SymmetricDim() != d {
		return 0, fmt.Errorf("metrics: dimension mismatch: len(mu1)=%d, len(mu2)=%d, cov1 %d×%d, cov2 %d×%d",
			d, len(mu2), cov1.SymmetricDim(), cov1.SymmetricDim(), cov2.SymmetricDim(), cov2.SymmetricDim())
	}
	if err := checkFinite("mu1", mu1); err != nil {
		return 0, err
	}
	if err := checkFinite("mu2", mu2); err != nil {
		return 0, err
	}
	if err := checkFiniteSym("cov1", cov1); err != nil {
		return 0, err
	}
	if err := checkFiniteSym("cov2", cov2); err != nil {
		return 0, err
	}

	dist := 0.0
	for k := range mu1 {
		diff := mu1[k] - mu2[k]
		dist += diff * diff
	}

	b, err := scaledEigenvectors(cov1)
	if err != nil {
		return 0, err
	}
	// m = Bᵀ·cov2·B, symmetrised to remove round-off asymmetry.
	var tmp, prod mat.Dense
	tmp.Mul(cov2, b)
	prod.Mul(b.T(), &tmp)
	m := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			m.SetSym(i, j, 0.5*(prod.At(i, j)+prod.At(j, i)))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(m, false) {
		return 0, fmt.Errorf("metrics: eigendecomposition of cov1^{1/2}·cov2·cov1^{1/2} failed")
	}
	trSqrt := 0.0
	for _, l := range eig.RawValues() {
		trSqrt += math.Sqrt(max(l, 0))
	}

	dist += mat.Trace(cov1) + mat.Trace(cov2) - 2*trSqrt
	return max(dist, 0), nil
}

// scaledEigenvectors returns B = V·diag(√max(λ, 0)) for the symmetric matrix
// a = V·diag(λ)·Vᵀ. The symmetric square root of a is S = B·Vᵀ, so for any
// symmetric c the matrix Bᵀ·c·B = Vᵀ·(S·c·S)·V is orthogonally similar to
// S·c·S and has the same eigenvalues.
func scaledEigenvectors(a *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		return nil, fmt.Errorf("metrics: eigendecomposition of cov1 failed")
	}
	var v mat.Dense
	eig.VectorsTo(&v)
	for j, l := range eig.RawValues() {
		r := math.Sqrt(max(l, 0))
		for i := range len(eig.RawValues()) {
			v.Set(i, j, v.At(i, j)*r)
		}
	}
	return &v, nil
}

// checkFiniteSym reports an error if the symmetric matrix a holds a NaN or an
// infinity.
func checkFiniteSym(name string, a *mat.SymDense) error {
	n := a.SymmetricDim()
	for i := range n {
		for j := i; j < n; j++ {
			v := a.At(i, j)
			if math.IsNaN(v) {
				return fmt.Errorf("metrics: %s %w at (%d, %d)", name, errNaN, i, j)
			}
			if math.IsInf(v, 0) {
				return fmt.Errorf("metrics: %s contains Inf at (%d, %d)", name, i, j)
			}
		}
	}
	return nil
}
