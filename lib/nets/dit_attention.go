package nets

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ditAttention is multi-head self-attention on tokens a [batch·n, h] → [batch·n, h]: Q, K and V projections,
// softmax(q·kᵀ/√d_head)·v per head, and an output projection. Q, K, V are laid out [batch, heads, n, d_head] so
// that both products are batched matrix products in layouts the pure-Go backend runs without copies (batch axes
// leading, contracting axis last on the left). Three separate projections, each followed by the [0 2 1 3]
// transpose the backend has a fast kernel for, measured ~15% less CPU per training step than one fused Q/K/V
// projection followed by a 5-D transpose and three slices (generic transpose and slice kernels, and their
// gradients as pads).
func (d DiT) ditAttention(scope *model.Scope, a *Node, batch, n int) *Node {
	h, heads := d.Hidden, d.Heads
	dh := h / heads
	project := func(name string) *Node {
		p := Reshape(ditLinear(scope.At("%s", name), a, h, ditXavier), batch, n, heads, dh)
		return TransposeAllDims(p, 0, 2, 1, 3) // [batch, heads, n, dh]
	}
	q := MulScalar(project("q"), 1/math.Sqrt(float64(dh)))
	k, v := project("k"), project("v")
	scores := DotGeneral(q, []int{3}, []int{0, 1}, k, []int{3}, []int{0, 1}) // [batch, heads, n, n]
	att := ditSoftmax(scores)
	o := DotGeneral(att, []int{3}, []int{0, 1}, v, []int{2}, []int{0, 1}) // [batch, heads, n, dh]
	o = Reshape(TransposeAllDims(o, 0, 2, 1, 3), batch*n, h)              // [batch·n, h], heads concatenated
	return ditLinear(scope.At("proj"), o, h, ditXavier)
}
