package nets

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// denseFM is a dense layer that returns its output feature-major, yᵀ [out, batch] = Wᵀ·hᵀ (+ b), with the same
// weights as dense (W [in, out], He-initialised; b [out], zero). Its input h is [in, batch] when hFM, else
// [batch, in].
//
// Why: the pure-Go backend's matrix products want the left operand's contracting axis last, and GoMLX's gradient
// of a DotGeneral always puts the incoming adjoint v on the left. For batch-major y = h·W the weight gradient
// contracts v [batch, out] over its leading batch axis, so the backend transposes both v and h (two batch-sized
// transposes per layer, about half of the W1 step's CPU time). Written as yᵀ = DotGeneral(W, {0}, hᵀ, {0}), the
// adjoint is [out, batch]: the weight gradient contracts its trailing axis against hᵀ's trailing axis (no
// transpose), and only the input gradient transposes v, once; the forward transposes W alone (weight-sized).
func denseFM(scope *model.Scope, h *Node, hFM bool, out int, bias bool) *Node {
	g := h.Graph()
	contract, in := 1, h.Shape().Dimensions[1]
	if hFM {
		contract, in = 0, h.Shape().Dimensions[0]
	}
	w := scope.WithInitializer(initializer.HeFn(scope)).VariableWithShape("weights", shapes.Make(dtypes.Float32, in, out))
	// Wᵀ [out, in] (a weight-sized transpose) as the left operand, contracting its trailing axis: the forward
	// product needs no other transpose, and the weight gradient is the left operand's, which the backend takes
	// without any.
	y := DotGeneral(Transpose(w.NodeValue(g), 0, 1), []int{1}, nil, h, []int{contract}, nil) // [out, batch]
	if bias {
		b := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(dtypes.Float32, out))
		y = Add(y, ExpandAxes(b.NodeValue(g), 1))
	}
	return y
}
