package nets

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Backbone is a raw network F(x_in, c_1..c_k) on [batch, dim] inputs (MLP here; DiT or U-Net for images).
type Backbone interface {
	Apply(scope *model.Scope, x *Node, cs ...*Node) *Node
}

// EDM holds the preconditioning constants of Karras et al. (2022): σ_data and, for consistency models, σ_min.
type EDM struct {
	SigmaData float64 // σ_d, the data's standard deviation scale (0.5 in EDM)
	SigmaMin  float64 // σ_min, the smallest time, where a consistency model is the identity (0.002)
}

// cIn is EDM's input scale 1/√(σ²+σ_d²), [batch] for sigma [batch].
func (p EDM) cIn(sigma *Node) *Node {
	sd2 := p.SigmaData * p.SigmaData
	return Inverse(Sqrt(AddScalar(Square(sigma), sd2)))
}

// cNoise is EDM's time input to the backbone, ln(σ)/4.
func cNoise(sigma *Node) *Node { return MulScalar(Log(sigma), 0.25) }

// Denoiser is EDM's D(x, σ) = c_skip x + c_out F(c_in x, c_noise) with c_skip = σ_d²/(σ²+σ_d²),
// c_out = σσ_d/√(σ²+σ_d²). x [batch, dim], sigma [batch] → [batch, dim].
func (p EDM) Denoiser(scope *model.Scope, net Backbone, x, sigma *Node) *Node {
	sd, sd2 := p.SigmaData, p.SigmaData*p.SigmaData
	s2 := Square(sigma)
	cSkip := Div(Const(sigma.Graph(), float32(sd2)), AddScalar(s2, sd2))
	cOut := Mul(MulScalar(sigma, sd), p.cIn(sigma))
	return p.combine(scope, net, x, sigma, cSkip, cOut)
}

// Consistency is the consistency-model parameterisation f(x, σ) = c_skip x + c_out F(c_in x, c_noise) with
// c_skip = σ_d²/((σ−σ_min)²+σ_d²) and c_out = (σ−σ_min)σ_d/√(σ²+σ_d²), so that f(x, σ_min) = x exactly.
// At σ ≫ σ_min it coincides with Denoiser, so a consistency model starts from a trained EDM denoiser's weights.
func (p EDM) Consistency(scope *model.Scope, net Backbone, x, sigma *Node) *Node {
	sd, sd2 := p.SigmaData, p.SigmaData*p.SigmaData
	shifted := AddScalar(sigma, -p.SigmaMin)
	cSkip := Div(Const(sigma.Graph(), float32(sd2)), AddScalar(Square(shifted), sd2))
	cOut := Mul(MulScalar(shifted, sd), p.cIn(sigma))
	return p.combine(scope, net, x, sigma, cSkip, cOut)
}

func (p EDM) combine(scope *model.Scope, net Backbone, x, sigma, cSkip, cOut *Node) *Node {
	col := func(v *Node) *Node { return ExpandAxes(v, -1) } // [batch] → [batch, 1]
	F := net.Apply(scope, Mul(x, col(p.cIn(sigma))), cNoise(sigma))
	return Add(Mul(col(cSkip), x), Mul(col(cOut), F))
}
