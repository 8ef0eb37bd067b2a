package data

import "math"

// LinearDenoise returns the best linear (Gaussian) denoiser
// μ + Σ(Σ + t²I)⁻¹(x − μ) [n·dim] for the batch x [n·dim], with μ = Mean()
// and Σ = Cov(). It is the exact posterior mean for N(μ, Σ) data, and the
// optimum of a denoiser that only captures the first two moments. At t = 0
// it returns a copy of x.
func (g *GMM) LinearDenoise(x []float64, dim int, t float64) []float64 {
	n := g.batchSize(x, dim)
	out := make([]float64, len(x))
	if t == 0 {
		copy(out, x)
		return out
	}
	mu, sigma := g.Mean(), g.Cov()
	a := make([][]float64, dim)
	for i := range a {
		a[i] = append([]float64(nil), sigma[i]...)
		a[i][i] += t * t
	}
	l := cholesky(a) // Σ + t²I ⪰ t²I is positive definite.
	y := make([]float64, dim)
	for p := 0; p < n; p++ {
		row := x[p*dim : (p+1)*dim]
		for j := range y {
			y[j] = row[j] - mu[j]
		}
		choleskySolve(l, y)
		dst := out[p*dim : (p+1)*dim]
		for i := range dst {
			s := mu[i]
			for j := 0; j < dim; j++ {
				s += sigma[i][j] * y[j]
			}
			dst[i] = s
		}
	}
	return out
}

// cholesky returns the lower factor L of a symmetric positive-definite a
// (a = L·Lᵀ). a is not modified.
func cholesky(a [][]float64) [][]float64 {
	d := len(a)
	l := make([][]float64, d)
	for i := range l {
		l[i] = make([]float64, d)
	}
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			s := a[i][j]
			for k := 0; k < j; k++ {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	return l
}

// choleskySolve overwrites b with the solution of L·Lᵀ·y = b.
func choleskySolve(l [][]float64, b []float64) {
	d := len(b)
	for i := 0; i < d; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i][k] * b[k]
		}
		b[i] = s / l[i][i]
	}
	for i := d - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < d; k++ {
			s -= l[k][i] * b[k]
		}
		b[i] = s / l[i][i]
	}
}
