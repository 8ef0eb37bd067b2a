package diffusion

import (
	"math"

	"github.com/gocmt/cmt/lib/nets"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// EDMLoss is Karras et al.'s denoising objective
//
//	L(θ) = E_{x₀, ln σ ~ N(P_mean, P_std²), n ~ N(0, σ²I)} λ(σ)‖D_θ(x₀ + n, σ) − x₀‖²,  λ(σ) = (σ² + σ_d²)/(σσ_d)²
//
// averaged over the batch and the data dimensions. x0 is [batch, dim]; σ and n are drawn in the graph from the
// Store's RNG.
//
// Uniform > 0 mixes a second law into the noise levels: each example's ln σ is, with probability Uniform, uniform on
// [ln SigmaMin, ln SigmaMax] instead (the range the teacher's solver visits). EDM's lognormal draws σ > 40 about
// twice in 100,000 (P_mean −1.2, P_std 1.2), so a network trained on it alone extrapolates where the solver starts.
type EDMLoss struct {
	Pre         nets.EDM
	Net         nets.Backbone
	PMean, PStd float64
	// Uniform is the probability of the log-uniform law on [SigmaMin, SigmaMax] (0 = EDM's lognormal only).
	Uniform            float64
	SigmaMin, SigmaMax float64
}

// LnSigma draws b noise levels ln σ [b] from the loss's law (lognormal, mixed with log-uniform by Uniform).
func (l EDMLoss) LnSigma(net *model.Scope, g *Graph, b int) *Node {
	sh := shapes.Make(dtypes.Float32, b)
	lnSigma := AddScalar(MulScalar(net.RandomNormal(g, sh), l.PStd), l.PMean)
	if l.Uniform <= 0 {
		return lnSigma
	}
	lo, hi := math.Log(l.SigmaMin), math.Log(l.SigmaMax)
	flat := AddScalar(MulScalar(net.RandomUniform(g, sh), hi-lo), lo)
	pick := LessThan(net.RandomUniform(g, sh), Scalar(g, dtypes.Float32, l.Uniform))
	return Where(pick, flat, lnSigma)
}

// Loss builds the scalar loss for the network at scope `net` on the clean batch x0 [batch, dim].
func (l EDMLoss) Loss(net *model.Scope, x0 *Node) *Node {
	g, b := x0.Graph(), x0.Shape().Dimensions[0]
	sigma := Exp(l.LnSigma(net, g, b))
	n := Mul(net.RandomNormal(g, x0.Shape()), ExpandAxes(sigma, -1))
	return l.LossAt(net, x0, sigma, n)
}

// LossAt is the loss for given noise levels sigma [batch] and noise n [batch, dim] (already scaled by σ).
func (l EDMLoss) LossAt(net *model.Scope, x0, sigma, n *Node) *Node {
	sd2 := l.Pre.SigmaData * l.Pre.SigmaData
	weight := Div(AddScalar(Square(sigma), sd2), MulScalar(Square(sigma), sd2)) // (σ²+σ_d²)/(σσ_d)²
	D := l.Pre.Denoiser(net, l.Net, Add(x0, n), sigma)
	perExample := ReduceMean(Square(Sub(D, x0)), 1)
	return ReduceAllMean(Mul(weight, perExample))
}
