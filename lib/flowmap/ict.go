package flowmap

import (
	"math"
	"math/rand/v2"

	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ICT is improved Consistency Training (Song & Dhariwal 2023), the discrete-time predecessor of ECT: at step k of
// K, on the Karras grid σ_1 = σ_min < … < σ_N = σ_max (ρ = 7) with the curriculum
//
//	N(k) = min(s₀·2^⌊k/K'⌋, s₁) + 1,   K' = ⌊K / (log₂⌊s₁/s₀⌋ + 1)⌋,
//
// an index i ∈ {1 … N−1} is drawn with p(i) ∝ erf((ln σ_{i+1} − P_mean)/(√2 P_std)) − erf((ln σ_i − P_mean)/(√2 P_std))
// and
//
//	L = d( f_θ(y + σ_{i+1}ε, σ_{i+1}), sg f_θ(y + σ_i ε, σ_i) ) / (σ_{i+1} − σ_i)
//
// with the pseudo-Huber d, c = 0.00054·√dim. This is ECT's loss (ECT.LossAt) at t = σ_{i+1}, r = σ_i: the methods
// differ only in how (t, r) are drawn. The times are drawn on the host (Times), so a batch carries them.
type ICT struct {
	Pre         nets.EDM
	Net         nets.Backbone
	SigmaMax    float64
	PMean, PStd float64 // lognormal index distribution (−1.1, 2.0)
	S0, S1      int     // curriculum: initial and final number of grid intervals (10, 1280)
	K           int     // total training steps
	Distance    distance.Kind
	HuberC      float64 // pseudo-Huber c; 0 = 0.00054·√dim
}

// ICTRho is the Karras grid's exponent.
const ICTRho = 7

// N is the number of grid points at step k.
func (l ICT) N(k int) int {
	kp := l.K / (int(math.Log2(float64(l.S1/l.S0))) + 1)
	n := l.S1
	if kp > 0 && k/kp < 62 {
		n = min(l.S0<<(k/kp), l.S1)
	}
	return n + 1
}

// Grid is the Karras grid of n points, σ_1 = σ_min exactly to σ_n = σ_max.
func (l ICT) Grid(n int) []float64 {
	lo, hi := math.Pow(l.Pre.SigmaMin, 1.0/ICTRho), math.Pow(l.SigmaMax, 1.0/ICTRho)
	g := make([]float64, n)
	for i := range g {
		g[i] = math.Pow(lo+float64(i)/float64(n-1)*(hi-lo), ICTRho)
	}
	g[0], g[n-1] = l.Pre.SigmaMin, l.SigmaMax
	return g
}

// Probabilities are p(i) for the intervals [σ_i, σ_{i+1}] of grid g (len(g) − 1 values summing to 1).
func (l ICT) Probabilities(g []float64) []float64 {
	cdf := func(s float64) float64 { return math.Erf((math.Log(s) - l.PMean) / (math.Sqrt2 * l.PStd)) }
	p := make([]float64, len(g)-1)
	var sum float64
	for i := range p {
		p[i] = cdf(g[i+1]) - cdf(g[i])
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// Times draws batch pairs (t, r) = (σ_{i+1}, σ_i) for step k.
func (l ICT) Times(rng *rand.Rand, k, batch int) (t, r []float64) {
	g := l.Grid(l.N(k))
	p := l.Probabilities(g)
	t, r = make([]float64, batch), make([]float64, batch)
	for b := range t {
		u, i := rng.Float64(), 0
		for ; i < len(p)-1 && u >= p[i]; i++ {
			u -= p[i]
		}
		t[b], r[b] = g[i+1], g[i]
	}
	return t, r
}

// C is the pseudo-Huber constant for data of dimension dim.
func (l ICT) C(dim int) float64 {
	if l.HuberC > 0 {
		return l.HuberC
	}
	return 0.00054 * math.Sqrt(float64(dim))
}

// Loss is the iCT loss for clean data y [batch, dim] at the drawn times t, r [batch] (Times), with fresh noise.
func (l ICT) Loss(net *model.Scope, y, t, r *Node) *Node {
	return l.LossAt(net, y, t, r, net.RandomNormal(y.Graph(), y.Shape()))
}

// LossAt is the loss for given times and noise eps [batch, dim].
func (l ICT) LossAt(net *model.Scope, y, t, r, eps *Node) *Node {
	ect := ECT{Pre: l.Pre, Net: l.Net, Distance: l.Distance, HuberC: l.C(y.Shape().Dimensions[1])}
	return ect.LossAt(net, nil, y, t, r, eps)
}
