package nets

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ConcatMLP is the MLP of the PyTorch peer benchmarks (shared/peer/torch/common.py), kept for side-by-side
// timings: F(x, c₁..c_k) = MLP(concat(x, emb(c₁), …, emb(c_k))) with Depth hidden layers of Width units and SiLU,
// where emb(c) is the EmbDim-dimensional sinusoidal embedding of 1000·c with periods up to 10000 (sin half, then
// cos half). With Dim 2, Times 2, EmbDim 64, Width 256, Depth 3 it has the peer's 165,634 parameters.
type ConcatMLP struct {
	Dim, Times, EmbDim, Width, Depth int
	// FeatureMajor computes the hidden activations as [features, batch] (MLP.dense says why): the same function and
	// weights, but its gradients avoid most batch-sized transposes on the pure-Go backend.
	FeatureMajor bool
	// BackendTrig computes the embedding with the backend's Sin and Cos instead of SinCos (for A/B timings).
	BackendTrig bool
}

// PeerMLP is the peer's MeanFlow network (w2_meanflow_mlp.py): two time inputs, 64-dim embeddings, 3×256.
func PeerMLP(dim, times int) ConcatMLP {
	return ConcatMLP{Dim: dim, Times: times, EmbDim: 64, Width: 256, Depth: 3}
}

// Apply evaluates F on x [batch, Dim] and the time inputs cs (each [batch]), returning [batch, Dim].
func (m ConcatMLP) Apply(scope *model.Scope, x *Node, cs ...*Node) *Node {
	if len(cs) != m.Times {
		panic(fmt.Sprintf("nets.ConcatMLP: got %d time inputs, configured for %d", len(cs), m.Times))
	}
	half := m.EmbDim / 2
	freqs := make([]float32, half)
	for k := range freqs {
		freqs[k] = float32(1000 * math.Exp(-math.Log(10000)*float64(k)/float64(half)))
	}
	parts := []*Node{x}
	for _, c := range cs {
		arg := Mul(ExpandAxes(c, -1), ExpandAxes(Const(x.Graph(), freqs), 0))
		if m.BackendTrig {
			parts = append(parts, Sin(arg), Cos(arg))
		} else {
			sin, cos := SinCos(arg)
			parts = append(parts, sin, cos)
		}
	}
	layers := MLP{FeatureMajor: m.FeatureMajor} // He-initialised dense layers (MLP.dense), batch- or feature-major
	h, hFM := Concatenate(parts, -1), false
	for l := 0; l < m.Depth; l++ {
		h = layers.dense(scope.At("layer_%d", l), h, hFM, m.Width, true, featuresOf(h, hFM), 1)
		h, hFM = Mul(h, Sigmoid(h)), m.FeatureMajor
	}
	y := layers.dense(scope.At("out"), h, hFM, m.Dim, true, m.Width, 1)
	if m.FeatureMajor {
		y = Transpose(y, 0, 1)
	}
	return y
}
