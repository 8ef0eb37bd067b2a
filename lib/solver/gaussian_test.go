package solver

import (
	"math"
	"math/rand/v2"
)

// gaussian is N(mu, s²I) data, whose PF-ODE is solvable in closed form:
// D(x, t) = μ + s²/(s²+t²)(x − μ) and Ψ_{t→u}(x) = μ + (x − μ)·√(s²+u²)/√(s²+t²).
type gaussian struct {
	mu []float64
	s  float64
}

func (g gaussian) Denoise(x []float64, dim int, t float64) []float64 {
	k := g.s * g.s / (g.s*g.s + t*t)
	out := make([]float64, len(x))
	for i := range x {
		m := g.mu[i%dim]
		out[i] = m + k*(x[i]-m)
	}
	return out
}

// flow is the exact flow map Ψ_{t→u} applied to the batch x.
func (g gaussian) flow(x []float64, dim int, t, u float64) []float64 {
	f := math.Sqrt(g.s*g.s+u*u) / math.Sqrt(g.s*g.s+t*t)
	out := make([]float64, len(x))
	for i := range x {
		m := g.mu[i%dim]
		out[i] = m + (x[i]-m)*f
	}
	return out
}

const (
	tMax = 80.0
	tMin = 0.002
	gDim = 2
)

var refGaussian = gaussian{mu: []float64{0.3, -0.4}, s: 0.5}

// startPoints draws n points from N(μ, (s² + tMax²)I), the exact marginal at tMax.
func startPoints(n int) []float64 {
	rng := rand.New(rand.NewPCG(11, 12))
	sd := math.Sqrt(refGaussian.s*refGaussian.s + tMax*tMax)
	x := make([]float64, n*gDim)
	for i := range x {
		x[i] = refGaussian.mu[i%gDim] + sd*rng.NormFloat64()
	}
	return x
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// fitOrder is the least-squares slope p of log err = c − p·log steps.
func fitOrder(steps []int, errs []float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(steps))
	for i := range steps {
		x, y := math.Log(float64(steps[i])), math.Log(errs[i])
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	return -(n*sxy - sx*sy) / (n*sxx - sx*sx)
}
