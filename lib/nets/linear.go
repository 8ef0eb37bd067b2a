package nets

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Linear is the smallest backbone, F(x, c) = x·W + c·u + b (W [dim, dim], u and b [dim]), with one time input.
// Its outputs and gradients are easy to compute by hand, which makes it the reference model of the objectives'
// tests and of the gradient-bias analysis.
type Linear struct{ Dim int }

// Apply evaluates F on x [batch, Dim] and c [batch].
func (l Linear) Apply(scope *model.Scope, x *Node, cs ...*Node) *Node {
	g := x.Graph()
	w := scope.VariableWithShape("w", shapes.Make(dtypes.Float32, l.Dim, l.Dim)).NodeValue(g)
	u := scope.VariableWithShape("u", shapes.Make(dtypes.Float32, l.Dim)).NodeValue(g)
	b := scope.VariableWithShape("b", shapes.Make(dtypes.Float32, l.Dim)).NodeValue(g)
	return Add(Add(XW(x, w), Mul(ExpandAxes(cs[0], -1), ExpandAxes(u, 0))), ExpandAxes(b, 0))
}

// LinearParams are Linear's weights on the host: W row-major [dim·dim], U and B [dim].
type LinearParams struct{ W, U, B []float64 }

// Consistency evaluates the consistency model f(x, σ) with this backbone on one point x [dim], in float64.
func (p EDM) LinearConsistency(w LinearParams, x []float64, sigma float64) []float64 {
	sd2 := p.SigmaData * p.SigmaData
	cIn := 1 / math.Sqrt(sigma*sigma+sd2)
	cSkip := sd2 / ((sigma-p.SigmaMin)*(sigma-p.SigmaMin) + sd2)
	cOut := (sigma - p.SigmaMin) * p.SigmaData * cIn
	return p.linear(w, x, sigma, cIn, cSkip, cOut)
}

// LinearDenoiser evaluates EDM's D(x, σ) with this backbone on one point x [dim], in float64.
func (p EDM) LinearDenoiser(w LinearParams, x []float64, sigma float64) []float64 {
	sd2 := p.SigmaData * p.SigmaData
	cIn := 1 / math.Sqrt(sigma*sigma+sd2)
	return p.linear(w, x, sigma, cIn, sd2/(sigma*sigma+sd2), sigma*p.SigmaData*cIn)
}

func (p EDM) linear(w LinearParams, x []float64, sigma, cIn, cSkip, cOut float64) []float64 {
	dim := len(x)
	out := make([]float64, dim)
	cNoise := math.Log(sigma) / 4
	for j := 0; j < dim; j++ {
		F := cNoise*w.U[j] + w.B[j]
		for i := 0; i < dim; i++ {
			F += cIn * x[i] * w.W[i*dim+j]
		}
		out[j] = cSkip*x[j] + cOut*F
	}
	return out
}

// Clone returns a deep copy (tests perturb one weight at a time for finite differences).
func (w LinearParams) Clone() LinearParams {
	c := func(x []float64) []float64 { return append([]float64(nil), x...) }
	return LinearParams{W: c(w.W), U: c(w.U), B: c(w.B)}
}
