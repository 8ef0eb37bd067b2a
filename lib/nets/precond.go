package nets

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Backbone is a raw network F(x_in, c_1..c_k) on [batch, dim] inputs (MLP here; DiT or U-Net for images).
type Backbone interface {
	Apply(scope *model.Scope, x *Node, cs ...*Node) *Node
}

// EDM holds the preconditioning constants of Karras et al. (2022): σ_data and, for consistency models, σ_min.
type EDM struct {
	SigmaData float64 // σ_d, the data's standard deviation scale (0.5 in EDM)
	SigmaMin  float64 // σ_min, the smallest time, where a consistency model is the identity (0.002)

	// Gate adds a learned per-coordinate gate on the skip connection (see gate): the denoiser becomes
	// D = c_skip (1 − γ) ⊙ x + c_out F with γ(σ) ∈ (−1, 1) per coordinate, 0 at initialisation.
	Gate bool
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
	u := Mul(x, col(p.cIn(sigma)))
	F := net.Apply(scope, u, cNoise(sigma))
	if p.Gate {
		F = Sub(F, p.gate(scope.At("skip_gate"), u, sigma))
	}
	return Add(Mul(col(cSkip), x), Mul(col(cOut), F))
}

// gate is Gate's term (σ_d/σ) γ ⊙ u subtracted from F, for u = c_in x [batch, dim] and sigma [batch], with
// γ = tanh(e·A + b) [batch, dim], e the sinusoidal embedding of c_noise at 16 frequencies from 0.5 to 2 rad, and
// A, b zero at initialisation (γ = 0: the plain preconditioning). Since c_out c_in σ_d/σ = c_skip, the denoiser is
// then D = c_skip (1 − γ) ⊙ x + c_out F: γ → 1 drops a coordinate's noisy input (an always-black pixel, whose
// clean value the bias of F gives), γ < 0 strengthens it. Why: without it F itself must output
// −(σ_d/σ)·u + const on such coordinates, a slope that grows like 1/σ, which an MLP learned poorly (the MNIST
// teacher's salt noise, README); an unbounded learned gain did learn it but blew up at rarely trained σ (NaN
// samples after 9000 steps), hence the tanh. In the consistency form c_out = 0 at σ_min, so f(x, σ_min) = x still.
func (p EDM) gate(scope *model.Scope, u, sigma *Node) *Node {
	g := u.Graph()
	dim := u.Shape().Dimensions[1]
	e := Embedding(cNoise(sigma), GeometricFreqs(16, 0.5, 2))
	zero := scope.WithInitializer(initializer.Zero)
	a := zero.VariableWithShape("weights", shapes.Make(dtypes.Float32, e.Shape().Dimensions[1], dim)).NodeValue(g)
	b := zero.VariableWithShape("biases", shapes.Make(dtypes.Float32, dim)).NodeValue(g)
	gamma := Tanh(Add(MatMul(e, a), ExpandAxes(b, 0)))
	scale := ExpandAxes(Div(Const(g, float32(p.SigmaData)), sigma), -1) // σ_d/σ, [batch, 1]
	return Mul(scale, Mul(gamma, u))
}
