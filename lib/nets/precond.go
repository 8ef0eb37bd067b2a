package nets

import (
	"math"

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
	// D = c_skip m ⊙ x + c_out F with a multiplier m(σ) ∈ (0, 4) per coordinate, 1 at initialisation.
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

// gate is Gate's term (σ_d/σ) γ ⊙ u subtracted from F, for u = c_in x [batch, dim] and sigma [batch]. Since
// c_out c_in σ_d/σ = c_skip, the denoiser becomes D = c_skip m ⊙ x + c_out F with the skip multiplier m = 1 − γ
// = 4 sigmoid(e·A + b − ln 3) ∈ (0, 4) [batch, dim], e the sinusoidal embedding of c_noise at 16 frequencies from
// 0.5 to 2 rad, A and b zero at initialisation (m = 1: the plain preconditioning, up to float32 rounding).
// Why: the per-coordinate optimum for data of variance v per coordinate (a diagonal Wiener filter) is
// m = v (σ² + σ_d²) / (σ_d² (σ² + v)), between 0 (an always-black pixel, whose clean value the bias of F gives)
// and v/σ_d² ≤ 4 for data in [−1, 1]. Without the gate F itself must output −(σ_d/σ)·u + const on a black pixel, a
// slope that grows like 1/σ, which an MLP learned poorly (the MNIST teacher's salt noise, README). Measured on
// MNIST (README, Images): the gate removes the salt, but its teachers scored worse than the plain one; m ∈ (0, 2) (a
// tanh) was no better. In the consistency form c_out = 0 at σ_min, so f(x, σ_min) = x still.
func (p EDM) gate(scope *model.Scope, u, sigma *Node) *Node {
	g := u.Graph()
	dim := u.Shape().Dimensions[1]
	e := Embedding(cNoise(sigma), GeometricFreqs(16, 0.5, 2))
	zero := scope.WithInitializer(initializer.Zero)
	a := zero.VariableWithShape("weights", shapes.Make(dtypes.Float32, e.Shape().Dimensions[1], dim)).NodeValue(g)
	b := zero.VariableWithShape("biases", shapes.Make(dtypes.Float32, dim)).NodeValue(g)
	m := MulScalar(Sigmoid(AddScalar(Add(XW(e, a), ExpandAxes(b, 0)), -math.Log(3))), 4)
	gamma := OneMinus(m)
	scale := ExpandAxes(Div(Const(g, float32(p.SigmaData)), sigma), -1) // σ_d/σ, [batch, 1]
	return Mul(scale, Mul(gamma, u))
}
