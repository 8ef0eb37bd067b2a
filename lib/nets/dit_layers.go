package nets

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// ditInit chooses the initial weights of a DiT linear layer.
type ditInit int

const (
	ditXavier ditInit = iota // Xavier-uniform weights (DiT's choice), zero bias
	ditZero                  // zero weights and bias (adaLN-Zero modulations, the output layer)
)

// ditLinear is x·W + b on x [rows, in] → [rows, out], with W [in, out] and b [out] under scope ("weights",
// "biases"). Written as MatMul + bias, not GoMLX's fused Dense, so that its gradient can be differentiated again.
func ditLinear(scope *model.Scope, x *Node, out int, init ditInit) *Node {
	in := x.Shape().Dimensions[1]
	ws := scope.WithInitializer(initializer.XavierUniformFn(scope))
	if init == ditZero {
		ws = scope.WithInitializer(initializer.Zero)
	}
	w := ws.VariableWithShape("weights", shapes.Make(dtypes.Float32, in, out)).NodeValue(x.Graph())
	b := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(dtypes.Float32, out))
	return Add(XW(x, w), ExpandAxes(b.NodeValue(x.Graph()), 0))
}

// ditSiLU is x·sigmoid(x), written out (GoMLX's fused Swish has no second derivative).
func ditSiLU(x *Node) *Node { return Mul(x, Sigmoid(x)) }

// ditLayerNormEps is DiT's LayerNorm ε (1e-6).
const ditLayerNormEps = 1e-6

// ditLayerNorm normalises the last axis to zero mean and unit variance, without a learned affine (adaLN supplies
// it): (x − μ)/√(σ² + ε). Written with Inverse(Sqrt(·)) because Rsqrt has no gradient in GoMLX v0.28.
func ditLayerNorm(x *Node) *Node {
	xc := Sub(x, ReduceAndKeep(x, ReduceMean, -1))
	v := ReduceAndKeep(Square(xc), ReduceMean, -1)
	return Mul(xc, Inverse(Sqrt(AddScalar(v, ditLayerNormEps))))
}

// ditModulate is adaLN's x·(1 + scale) + shift for tokens x [batch, n, h] and per-example shift, scale
// [batch, 1, h].
func ditModulate(x, shift, scale *Node) *Node {
	return Add(Mul(x, OnePlus(scale)), shift)
}

// ditChunk returns the i-th block of h columns of mod [batch, k·h] as [batch, 1, h] (ready to broadcast over
// tokens).
func ditChunk(mod *Node, i, h int) *Node {
	return ExpandAxes(Slice(mod, AxisRange(), AxisRange(i*h, (i+1)*h)), 1)
}

// ditSoftmax is the softmax over the last axis, written out (exp(x − max)/Σ exp(x − max), the max held constant)
// so that its gradient can be differentiated again; GoMLX's fused softmax has no second derivative.
func ditSoftmax(x *Node) *Node {
	e := Exp(Sub(x, StopGradient(ReduceAndKeep(x, ReduceMax, -1))))
	return Div(e, ReduceAndKeep(e, ReduceSum, -1))
}
