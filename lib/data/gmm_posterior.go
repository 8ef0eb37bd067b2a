package data

import (
	"fmt"
	"math"

	"github.com/gocmt/cmt/lib/fastmath"
)

// The noisy marginal of the mixture at noise level t is
// p_t = Σ_k w_k N(μ_k, v·I) with v = Std² + t². Everything below is exact
// for that marginal; t enters only through t², so its sign is irrelevant.

// batchSize checks a flat batch against the mixture and returns the number
// of points. It panics on a dim or length mismatch (the Denoiser signature
// has no error return).
func (g *GMM) batchSize(x []float64, dim int) int {
	g.mustValid()
	if dim != g.Dim() {
		panic(fmt.Sprintf("data: GMM of dim %d called with dim %d", g.Dim(), dim))
	}
	if len(x)%dim != 0 {
		panic(fmt.Sprintf("data: batch length %d is not a multiple of dim %d", len(x), dim))
	}
	return len(x) / dim
}

// responsibilities writes r_k = P(component k | x_t = row) into r [K] using
// a log-sum-exp over a_k = log w_k − (‖μ_k‖² − 2 row·μ_k)/(2v). The common
// term ‖row‖² is dropped, so far-away points neither overflow nor lose the
// differences between components to cancellation.
func (g *GMM) responsibilities(row []float64, v float64, logw, r []float64) {
	maxA := math.Inf(-1)
	for k, mu := range g.Means {
		q := 0.0
		for j, m := range mu {
			q += m * (m - 2*row[j])
		}
		a := logw[k] - q/(2*v)
		r[k] = a
		if a > maxA {
			maxA = a
		}
	}
	sum := 0.0
	for k := range r {
		r[k] = fastmath.Exp(r[k] - maxA)
		sum += r[k]
	}
	for k := range r {
		r[k] /= sum
	}
}

// logWeights returns log w_k [K] (−Inf for zero weights).
func (g *GMM) logWeights() []float64 {
	w := g.weights()
	for k := range w {
		w[k] = math.Log(w[k])
	}
	return w
}

// posteriorMeanOfMeans writes m̄ = Σ_k r_k μ_k for every point of x into out
// [n·dim]. It is the building block of Denoise and Score.
func (g *GMM) posteriorMeanOfMeans(x []float64, dim int, v float64, out []float64) {
	n := len(x) / dim
	logw := g.logWeights()
	r := make([]float64, len(g.Means))
	for i := 0; i < n; i++ {
		row := x[i*dim : (i+1)*dim]
		g.responsibilities(row, v, logw, r)
		dst := out[i*dim : (i+1)*dim]
		for j := range dst {
			dst[j] = 0
		}
		for k, mu := range g.Means {
			if r[k] == 0 {
				continue
			}
			for j := range dst {
				dst[j] += r[k] * mu[j]
			}
		}
	}
}

// Denoise returns the exact posterior mean E[x_0 | x_t = x] [n·dim] for the
// batch x [n·dim] at noise level t (same units as x). It equals
// Σ_k r_k(x)·(μ_k + Std²/(Std²+t²)·(x − μ_k)), evaluated as
// (Std²/v)·x + (t²/v)·Σ_k r_k μ_k with v = Std²+t². When Std = t = 0 it
// returns a copy of x.
func (g *GMM) Denoise(x []float64, dim int, t float64) []float64 {
	g.batchSize(x, dim)
	s2, t2 := g.Std*g.Std, t*t
	v := s2 + t2
	out := make([]float64, len(x))
	if v == 0 {
		copy(out, x)
		return out
	}
	g.posteriorMeanOfMeans(x, dim, v, out)
	keep, pull := s2/v, t2/v
	for i := range out {
		out[i] = keep*x[i] + pull*out[i]
	}
	return out
}

// Score returns ∇_x log p_t(x) [n·dim] for the batch x [n·dim], in units of
// 1/x: (Σ_k r_k μ_k − x)/(Std²+t²). Tweedie: Denoise = x + t²·Score. When
// Std = t = 0 the result is NaN.
func (g *GMM) Score(x []float64, dim int, t float64) []float64 {
	g.batchSize(x, dim)
	v := g.Std*g.Std + t*t
	out := make([]float64, len(x))
	if v == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	g.posteriorMeanOfMeans(x, dim, v, out)
	for i := range out {
		out[i] = (out[i] - x[i]) / v
	}
	return out
}

// LogDensity returns log p_t(x) [n], one natural-log density per point of
// the batch x [n·dim]: logΣ_k w_k N(x; μ_k, (Std²+t²)I), by log-sum-exp over
// the squared distances. When Std = t = 0 the result is NaN.
func (g *GMM) LogDensity(x []float64, dim int, t float64) []float64 {
	n := g.batchSize(x, dim)
	v := g.Std*g.Std + t*t
	out := make([]float64, n)
	if v == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	logw := g.logWeights()
	a := make([]float64, len(g.Means))
	norm := -0.5 * float64(dim) * math.Log(2*math.Pi*v)
	for i := 0; i < n; i++ {
		row := x[i*dim : (i+1)*dim]
		maxA := math.Inf(-1)
		for k, mu := range g.Means {
			d2 := 0.0
			for j, m := range mu {
				e := row[j] - m
				d2 += e * e
			}
			a[k] = logw[k] - d2/(2*v)
			if a[k] > maxA {
				maxA = a[k]
			}
		}
		if math.IsInf(maxA, -1) {
			out[i] = maxA
			continue
		}
		sum := 0.0
		for _, ak := range a {
			sum += fastmath.Exp(ak - maxA)
		}
		out[i] = maxA + math.Log(sum) + norm
	}
	return out
}
