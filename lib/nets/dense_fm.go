package nets

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// denseFM is a He-initialised dense layer that returns its output feature-major, yᵀ [out, batch] = Wᵀ·hᵀ (+ b),
// with the same weights as linear (W [in, out], b [out]); h is [in, batch] when hFM, else [batch, in]. MLP.dense
// says why this layout is faster on the pure-Go backend.
func denseFM(scope *model.Scope, h *Node, hFM bool, out int, bias bool) *Node {
	return MLP{FeatureMajor: true}.dense(scope, h, hFM, out, bias, featuresOf(h, hFM), 1)
}
