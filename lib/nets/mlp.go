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
// consistency model, 2 for a two-time flow map). e is the concatenated sinusoidal embedding of the time inputs.
// With Embed = EmbedLayers every hidden layer is h ← silu(W h + U e + b) (the time enters every layer); with
// Embed = EmbedInput only the first one sees it, h₁ = silu(W x + U e + b), i.e. one layer on [x, e] concatenated.
type MLP struct {
	Dim      int // data dimension (input and output width)
	Hidden   int // hidden width
	Layers   int // number of hidden layers
	Times    int // number of time inputs (1 or 2)
	NumFreqs int // sinusoidal frequencies per time input

	Embed       string  // EmbedLayers ("" too) or EmbedInput
	FreqMin     float64 // lowest and highest embedding frequency, radians per unit of c (0 → 0.5 and 32)
	FreqMax     float64
	FreqSpacing string  // "geometric" ("" too) or "linear"
	XInitScale  float64 // the first layer's weights on x are multiplied by this at initialisation (0 → 1)
}

// Where the time embedding enters the MLP.
const (
	EmbedLayers = "layers" // every hidden layer (the default)
	EmbedInput  = "input"  // the first hidden layer only (concatenated with x)
)

// DefaultMLP is the 2D toy backbone: 4 hidden layers of width 128 (≈ 70k parameters).
func DefaultMLP(dim, times int) MLP {
	return MLP{Dim: dim, Hidden: 128, Layers: 4, Times: times, NumFreqs: 16}
}

// Validate checks the settings that Apply would otherwise panic on.
func (m MLP) Validate() error {
	switch {
	case m.Embed != "" && m.Embed != EmbedLayers && m.Embed != EmbedInput:
		return fmt.Errorf("nets.MLP: embed %q: use %s or %s", m.Embed, EmbedLayers, EmbedInput)
	case m.FreqSpacing != "" && m.FreqSpacing != "geometric" && m.FreqSpacing != "linear":
		return fmt.Errorf("nets.MLP: frequency spacing %q: use geometric or linear", m.FreqSpacing)
	case m.FreqMin < 0 || m.FreqMax < 0 || (m.FreqMax > 0 && m.FreqMax < m.FreqMin):
		return fmt.Errorf("nets.MLP: frequencies [%g, %g]: need 0 < min ≤ max", m.FreqMin, m.FreqMax)
	case m.XInitScale < 0:
		return fmt.Errorf("nets.MLP: x init scale %g must be ≥ 0", m.XInitScale)
	case m.Hidden <= 0 || m.Layers <= 0 || m.NumFreqs <= 0:
		return fmt.Errorf("nets.MLP: hidden %d, layers %d, frequencies %d must be > 0", m.Hidden, m.Layers, m.NumFreqs)
	}
	return nil
}

// freqs are the embedding's frequencies: NumFreqs of them from FreqMin to FreqMax, geometric or linear.
func (m MLP) freqs() []float64 {
	lo, hi := m.FreqMin, m.FreqMax
	if lo == 0 {
		lo = 0.5
	}
	if hi == 0 {
		hi = 32
	}
	if m.FreqSpacing == "linear" {
		return LinearFreqs(m.NumFreqs, lo, hi)
	}
	return GeometricFreqs(m.NumFreqs, lo, hi)
}

// Apply evaluates F on x [batch, Dim] and the time inputs cs (each [batch], already transformed, e.g. c_noise),
// returning [batch, Dim]. Weights live under scope.
func (m MLP) Apply(scope *model.Scope, x *Node, cs ...*Node) *Node {
	if len(cs) != m.Times {
		panic(fmt.Sprintf("nets.MLP: got %d time inputs, configured for %d", len(cs), m.Times))
	}
	embs := make([]*Node, len(cs))
	for i, c := range cs {
		embs[i] = Embedding(c, m.freqs())
	}
	e := embs[0]
	if len(embs) > 1 {
		e = Concatenate(embs, -1)
	}
	h := x
	for l := 0; l < m.Layers; l++ {
		ls := scope.At("layer_%d", l)
		xs := 1.0
		if l == 0 && m.XInitScale > 0 {
			xs = m.XInitScale
		}
		h = scaledLinear(ls.At("x"), h, m.Hidden, true, xs)
		if l == 0 || m.Embed != EmbedInput {
			h = Add(h, linear(ls.At("t"), e, m.Hidden, false))
		}
		h = Mul(h, Sigmoid(h)) // SiLU, written out so its gradient can be differentiated again
	}
	return linear(scope.At("out"), h, m.Dim, true)
}

// linear is x·W (+ b) with He-initialised W [in, out] and zero b; x is [batch, in].
func linear(scope *model.Scope, x *Node, out int, bias bool) *Node {
	return scaledLinear(scope, x, out, bias, 1)
}

// scaledLinear is linear with W initialised at scale × He's standard deviation.
func scaledLinear(scope *model.Scope, x *Node, out int, bias bool, scale float64) *Node {
	in := x.Shape().Dimensions[1]
	init := initializer.HeFn(scope)
	if scale != 1 {
		he := init
		init = func(g *Graph, s shapes.Shape) *Node { return MulScalar(he(g, s), scale) }
	}
	w := scope.WithInitializer(init).VariableWithShape("weights", shapes.Make(dtypes.Float32, in, out))
	y := MatMul(x, w.NodeValue(x.Graph()))
	if bias {
		b := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(dtypes.Float32, out))
		y = Add(y, ExpandAxes(b.NodeValue(x.Graph()), 0))
	}
	return y
}
