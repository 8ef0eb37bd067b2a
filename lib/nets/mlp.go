package nets

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// MLP is the backbone for low-dimensional data: F(x_in, c_1..c_k) with k = Times time inputs (1 for a denoiser or
// consistency model, 2 for a two-time flow map). Each hidden layer is h ← silu(W h + U e + b), where e is the
// concatenated sinusoidal embedding of the time inputs: the time enters every layer, so a narrow network cannot
// ignore it and settle on a time-agnostic (linear-denoiser-like) solution.
type MLP struct {
	Dim      int // data dimension (input and output width)
	Hidden   int // hidden width
	Layers   int // number of hidden layers
	Times    int // number of time inputs (1 or 2)
	NumFreqs int // sinusoidal frequencies per time input
}

// DefaultMLP is the 2D toy backbone: 4 hidden layers of width 128 (≈ 70k parameters).
func DefaultMLP(dim, times int) MLP {
	return MLP{Dim: dim, Hidden: 128, Layers: 4, Times: times, NumFreqs: 16}
}

// Apply evaluates F on x [batch, Dim] and the time inputs cs (each [batch], already transformed, e.g. c_noise),
// returning [batch, Dim]. Weights live under scope.
func (m MLP) Apply(scope *model.Scope, x *Node, cs ...*Node) *Node {
	if len(cs) != m.Times {
		panic(fmt.Sprintf("nets.MLP: got %d time inputs, configured for %d", len(cs), m.Times))
	}
	embs := make([]*Node, len(cs))
	for i, c := range cs {
		embs[i] = SinusoidalEmbedding(c, m.NumFreqs, 0.5, 32)
	}
	e := embs[0]
	if len(embs) > 1 {
		e = Concatenate(embs, -1)
	}
	h := x
	for l := 0; l < m.Layers; l++ {
		ls := scope.At("layer_%d", l)
		h = Add(linear(ls.At("x"), h, m.Hidden, true), linear(ls.At("t"), e, m.Hidden, false))
		h = Mul(h, Sigmoid(h)) // SiLU, written out so its gradient can be differentiated again
	}
	return linear(scope.At("out"), h, m.Dim, true)
}

// linear is x·W (+ b) with He-initialised W [in, out] and zero b; x is [batch, in].
func linear(scope *model.Scope, x *Node, out int, bias bool) *Node {
	in := x.Shape().Dimensions[1]
	w := scope.WithInitializer(initializer.HeFn(scope)).VariableWithShape("weights", shapes.Make(dtypes.Float32, in, out))
	y := MatMul(x, w.NodeValue(x.Graph()))
	if bias {
		b := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(dtypes.Float32, out))
		y = Add(y, ExpandAxes(b.NodeValue(x.Graph()), 0))
	}
	return y
}
