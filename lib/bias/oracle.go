package bias

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/fastmath"
)

// Oracle is the exact probability-flow map of an isotropic Gaussian mixture p₀ = Σ_k w_k N(μ_k, s²I) under the
// EDM/VE convention x_t = x₀ + t·ε:
//
//	Ψ_{t→u}(x) = the solution at time u of dx/dt = (x − D(x, t))/t started from x at time t,
//
// with the exact posterior mean D(x, t) = E[x₀ | x_t = x] = (s²/v)·x + (t²/v)·Σ_k r_k(x) μ_k, v = s² + t².
// The ODE is integrated in the log-time variable σ = ln t, dx/dσ = x − D(x, e^σ), by the classical fourth-order
// Runge–Kutta method with a uniform step of at most Step in ln t (TestOracleConverges shows the error shrinking
// as Step⁴ and below 1e-5 relative at the default). Points are flat row-major []float64 of length n·Dim, in the
// data's units; times are noise levels (same units).
type Oracle struct {
	Step    float64 // largest RK4 step in ln t (DefaultStep unless set)
	Workers int     // goroutines for batches (0 → GOMAXPROCS)

	dim   int
	means []float64 // [K·dim]
	logw  []float64 // [K] log mixing weights
	mm    []float64 // [K] ‖μ_k‖²
	s2    float64   // mode variance s²
}

// DefaultStep is the oracle's RK4 step in ln t. On the 8-Gaussian mixture, flowing p_80 to σ_min = 0.002, the
// largest coordinate error against a step/8 reference, relative to the points' RMS norm, was 3–5e-5 at step 0.2,
// 2–4e-6 at 0.1 and 1–3e-7 at 0.05 (64 and 256 points; falling as step⁴, TestOracleConverges) — far below the 1e-5
// the analysis needs.
const DefaultStep = 0.05

// NewOracle builds the exact flow map of g with RK4 step `step` in ln t (0 → DefaultStep).
func NewOracle(g *data.GMM, step float64) (*Oracle, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if step == 0 {
		step = DefaultStep
	}
	if !(step > 0) || step > 1 {
		return nil, fmt.Errorf("bias: oracle step %v must be in (0, 1]", step)
	}
	o := &Oracle{Step: step, dim: g.Dim(), s2: g.Std * g.Std}
	w := g.Weights
	if w == nil {
		w = make([]float64, g.K())
		for k := range w {
			w[k] = 1
		}
	}
	var sum float64
	for _, v := range w {
		sum += v
	}
	for k, mu := range g.Means {
		o.means = append(o.means, mu...)
		o.logw = append(o.logw, math.Log(w[k]/sum))
		var m float64
		for _, v := range mu {
			m += v * v
		}
		o.mm = append(o.mm, m)
	}
	return o, nil
}

// Dim is the data dimension.
func (o *Oracle) Dim() int { return o.dim }

// denoise writes D(x, t) for one point x [dim] into out [dim]; r [K] receives the responsibilities r_k(x) and m
// [dim] the mean of the means m̄ = Σ_k r_k μ_k. Components with log-weight more than 60 below the largest
// (r_k < 1e-26) are set to 0 without calling exp.
func (o *Oracle) denoise(x []float64, t float64, out, r, m []float64) {
	dim := o.dim
	v := o.s2 + t*t
	maxA := math.Inf(-1)
	for k := range o.logw {
		mu := o.means[k*dim : (k+1)*dim]
		var dot float64
		for j, mj := range mu {
			dot += mj * x[j]
		}
		a := o.logw[k] - (o.mm[k]-2*dot)/(2*v)
		r[k] = a
		maxA = max(maxA, a)
	}
	var sum float64
	for k, a := range r {
		if a-maxA < -60 {
			r[k] = 0
			continue
		}
		r[k] = fastmath.Exp(a - maxA)
		sum += r[k]
	}
	for k := range r {
		r[k] /= sum
	}
	keep, pull := o.s2/v, t*t/v
	for j := range out {
		var mj float64
		for k, rk := range r {
			mj += rk * o.means[k*dim+j]
		}
		m[j] = mj
		out[j] = keep*x[j] + pull*mj
	}
}

// Denoise returns the exact posterior mean D(x, t) [n·dim] of the batch x [n·dim] at noise level t > 0.
func (o *Oracle) Denoise(x []float64, t float64) []float64 {
	out := make([]float64, len(x))
	s := o.newScratch()
	for i := 0; i+o.dim <= len(x); i += o.dim {
		if i%(256*o.dim) == 0 {
			fastmath.ClearUpperAVX()
		}
		o.denoise(x[i:i+o.dim], t, out[i:i+o.dim], s.r, s.m)
	}
	return out
}

// scratch is one worker's buffers for flowPoint.
type scratch struct {
	k1, k2, k3, k4, y, d, m, r []float64 // RK4 stages, stage point, denoiser output, m̄ and responsibilities
}

// newScratch carves one worker's buffers out of a single allocation padded by a cache line on both sides, so
// that two workers never write to the same cache line (false sharing made two workers 20× slower than one).
func (o *Oracle) newScratch() *scratch {
	const pad = 16 // float64s: 128 bytes
	n, k := o.dim, len(o.logw)
	buf := make([]float64, pad+7*n+k+pad)[pad:]
	cut := func(m int) []float64 {
		b := buf[:m:m]
		buf = buf[m:]
		return b
	}
	return &scratch{k1: cut(n), k2: cut(n), k3: cut(n), k4: cut(n), y: cut(n), d: cut(n), m: cut(n), r: cut(k)}
}

// slope writes dx/dσ = x − D(x, e^σ) into k.
func (o *Oracle) slope(x []float64, t float64, k []float64, s *scratch) {
	o.denoise(x, t, s.d, s.r, s.m)
	for j := range k {
		k[j] = x[j] - s.d[j]
	}
}

// steps is the number of uniform RK4 steps in ln t between t and u.
func (o *Oracle) steps(t, u float64) int {
	return max(1, int(math.Ceil(math.Abs(math.Log(u/t))/o.Step-1e-9)))
}

// flowPoint integrates one point x [dim] in place from t to u in n RK4 steps of equal length in ln t.
func (o *Oracle) flowPoint(x []float64, t, u float64, n int, s *scratch) {
	a, b := math.Log(t), math.Log(u)
	h := (b - a) / float64(n)
	stage := func(c float64, k []float64) {
		for j := range x {
			s.y[j] = x[j] + c*k[j]
		}
	}
	for i := 0; i < n; i++ {
		sg := a + float64(i)*h
		t0, tm, t1 := math.Exp(sg), math.Exp(sg+h/2), math.Exp(sg+h)
		if i == n-1 {
			t1 = u
		}
		o.slope(x, t0, s.k1, s)
		stage(h/2, s.k1)
		o.slope(s.y, tm, s.k2, s)
		stage(h/2, s.k2)
		o.slope(s.y, tm, s.k3, s)
		stage(h, s.k3)
		o.slope(s.y, t1, s.k4, s)
		for j := range x {
			x[j] += h / 6 * (s.k1[j] + 2*s.k2[j] + 2*s.k3[j] + s.k4[j])
		}
	}
}

// Flow returns Ψ_{t→u}(x) [n·dim] for the batch x [n·dim]: every point is carried along the PF-ODE from noise
// level t to noise level u (t, u > 0, either order). All points share the same RK4 grid, so Flow is one fixed
// smooth map: differences Flow(a) − Flow(b) of nearby points keep the solver's relative accuracy.
func (o *Oracle) Flow(x []float64, t, u float64) ([]float64, error) {
	if err := o.check(x, t, u); err != nil {
		return nil, err
	}
	out := append([]float64(nil), x...)
	if t == u {
		return out, nil
	}
	n := o.steps(t, u)
	o.parallel(len(x)/o.dim, func(lo, hi int, s *scratch) {
		for i := lo; i < hi; i++ {
			fastmath.ClearUpperAVX()
			o.flowPoint(out[i*o.dim:(i+1)*o.dim], t, u, n, s)
		}
	})
	return out, nil
}

// check validates a flow's input.
func (o *Oracle) check(x []float64, t, u float64) error {
	if !(t > 0) || !(u > 0) || math.IsInf(t, 0) || math.IsInf(u, 0) {
		return fmt.Errorf("bias: flow times %v → %v must be finite and > 0", t, u)
	}
	if len(x)%o.dim != 0 {
		return fmt.Errorf("bias: flow of %d values, not a multiple of dim %d", len(x), o.dim)
	}
	return nil
}

// parallel splits n points into contiguous chunks over the workers.
func (o *Oracle) parallel(n int, fn func(lo, hi int, s *scratch)) {
	w := o.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = max(1, min(w, n/64+1))
	var wg sync.WaitGroup
	for c := 0; c < w; c++ {
		lo, hi := c*n/w, (c+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi, o.newScratch())
		}()
	}
	wg.Wait()
}

// GaussianFlow is the closed-form flow map of one Gaussian N(μ, s²I) (dim = len(mu)):
//
//	Ψ_{t→u}(x) = μ + (x − μ)·√(s² + u²)/√(s² + t²),
//
// the reference the numerical oracle is tested against. x is [n·dim].
func GaussianFlow(mu []float64, s float64, x []float64, t, u float64) []float64 {
	out := make([]float64, len(x))
	c := math.Sqrt(s*s+u*u) / math.Sqrt(s*s+t*t)
	for i := range x {
		m := mu[i%len(mu)]
		out[i] = m + (x[i]-m)*c
	}
	return out
}
