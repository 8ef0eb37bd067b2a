package bias

import (
	"math"
	"math/rand/v2"

	"github.com/gocmt/cmt/lib/data"
)

// ConvergencePoint is the oracle's error at one RK4 step against a finer reference.
type ConvergencePoint struct {
	Step   float64 `json:"step"`    // RK4 step in ln t
	MaxErr float64 `json:"max_err"` // max over points and coordinates of |Ψ_step − Ψ_ref|
	RelErr float64 `json:"rel_err"` // MaxErr / RMS ‖Ψ_ref‖ (the relative error quoted in the docs)
}

// Convergence flows n points x ~ p_from of the mixture g from time `from` to time `to` with each RK4 step in steps
// and with the reference step ref, and reports the errors: they should fall as step⁴.
func Convergence(g *data.GMM, steps []float64, ref, from, to float64, n int, seed uint64) ([]ConvergencePoint, error) {
	rng := rand.New(rand.NewPCG(seed, 0xC0))
	x := g.Sample(rng, n)
	for i := range x {
		x[i] += from * rng.NormFloat64()
	}
	o, err := NewOracle(g, ref)
	if err != nil {
		return nil, err
	}
	want, err := o.Flow(x, from, to)
	if err != nil {
		return nil, err
	}
	rms := math.Sqrt(dot(want, want) / float64(n))
	var out []ConvergencePoint
	for _, h := range steps {
		oh, err := NewOracle(g, h)
		if err != nil {
			return nil, err
		}
		got, err := oh.Flow(x, from, to)
		if err != nil {
			return nil, err
		}
		var mx float64
		for i := range got {
			mx = math.Max(mx, math.Abs(got[i]-want[i]))
		}
		out = append(out, ConvergencePoint{Step: h, MaxErr: mx, RelErr: mx / rms})
	}
	return out, nil
}

// GaussianCheck flows n points of p_from for a single Gaussian N(μ, s²I) (a one-component mixture) with the
// oracle at RK4 step `step` and returns the largest coordinate error against the closed form GaussianFlow,
// relative to the RMS norm of the closed-form points.
func GaussianCheck(mu []float64, s, step, from, to float64, n int, seed uint64) (float64, error) {
	g, err := data.NewGMM([][]float64{mu}, s, nil)
	if err != nil {
		return 0, err
	}
	o, err := NewOracle(g, step)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x6A))
	x := g.Sample(rng, n)
	for i := range x {
		x[i] += from * rng.NormFloat64()
	}
	got, err := o.Flow(x, from, to)
	if err != nil {
		return 0, err
	}
	want := GaussianFlow(mu, s, x, from, to)
	var mx float64
	for i := range got {
		mx = math.Max(mx, math.Abs(got[i]-want[i]))
	}
	return mx / math.Sqrt(dot(want, want)/float64(n)), nil
}
