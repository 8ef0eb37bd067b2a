package nets

import (
	"fmt"
	"math"

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
	Init        string  // InitHe ("" too) or InitTorch

	// FeatureMajor computes the hidden activations as [features, batch] (see dense): the same function and
	// weights, but its gradients avoid most batch-sized transposes on the pure-Go backend.
	FeatureMajor bool
}

// Weight initialisations of the MLP.
const (
	InitHe    = "he"    // W ~ N(0, 2/fan-in), b = 0
	InitTorch = "torch" // W, b ~ U(±1/√fan-in) (PyTorch's nn.Linear)
)

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
	case m.Init != "" && m.Init != InitHe && m.Init != InitTorch:
		return fmt.Errorf("nets.MLP: init %q: use %s or %s", m.Init, InitHe, InitTorch)
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
	eDim := e.Shape().Dimensions[1]
	h, hFM := x, false // hFM: h is [features, batch]
	for l := 0; l < m.Layers; l++ {
		ls := scope.At("layer_%d", l)
		withT := l == 0 || m.Embed != EmbedInput
		fanIn := featuresOf(h, hFM) // the fan-in of the layer read as one matrix on [h, e]
		if withT {
			fanIn += eDim
		}
		xs := 1.0
		if l == 0 && m.XInitScale > 0 {
			xs = m.XInitScale
		}
		h = m.dense(ls.At("x"), h, hFM, m.Hidden, true, fanIn, xs)
		if withT {
			h = Add(h, m.dense(ls.At("t"), e, false, m.Hidden, false, fanIn, 1))
		}
		hFM = m.FeatureMajor
		h = Mul(h, Sigmoid(h)) // SiLU, written out so its gradient can be differentiated again
	}
	y := m.dense(scope.At("out"), h, hFM, m.Dim, true, m.Hidden, 1)
	if m.FeatureMajor {
		y = Transpose(y, 0, 1)
	}
	return y
}

// featuresOf is the feature width of h: [batch, features], or [features, batch] when fm.
func featuresOf(h *Node, fm bool) int {
	if fm {
		return h.Shape().Dimensions[0]
	}
	return h.Shape().Dimensions[1]
}

// dense is the layer x·W (+ b) with W [in, out] and b [out]: x is [batch, in], or [in, batch] when xFM; the result
// is [batch, out], or [out, batch] when m.FeatureMajor. InitHe (the default): W ~ N(0, 2/in) (its own fan-in),
// b = 0. InitTorch: W and b ~ U(±1/√fanIn), PyTorch's nn.Linear default, with fanIn that of the whole layer
// (the x and time parts of one layer read as one matrix). W is then multiplied by scale.
//
// Why feature-major: the pure-Go backend's matrix products want the left operand's contracting axis last (matmul.go).
// For batch-major y = x·W the weight gradient Σ_batch xᵀv contracts the batch axis, which x [batch, in] and the
// adjoint v [batch, out] both hold first, so one of them is transposed (MatMul2's gradient picks the smaller; GoMLX's
// own transposes both). Written as yᵀ = MatMul2(Wᵀ, 1, x, in axis), every product of the forward pass and the
// gradient is native but for weight-sized transposes of W.
func (m MLP) dense(scope *model.Scope, x *Node, xFM bool, out int, bias bool, fanIn int, scale float64) *Node {
	g := x.Graph()
	in := featuresOf(x, xFM)
	var wInit, bInit model.VariableInitializer = initializer.HeFn(scope), initializer.Zero
	if m.Init == InitTorch {
		a := 1 / math.Sqrt(float64(fanIn))
		wInit, bInit = initializer.RandomUniformFn(scope, -a, a), initializer.RandomUniformFn(scope, -a, a)
	}
	if scale != 1 {
		base := wInit
		wInit = func(g *Graph, s shapes.Shape) *Node { return MulScalar(base(g, s), scale) }
	}
	w := scope.WithInitializer(wInit).VariableWithShape("weights", shapes.Make(dtypes.Float32, in, out)).NodeValue(g)
	var y *Node
	if m.FeatureMajor {
		contract := 1
		if xFM {
			contract = 0
		}
		y = MatMul2(Transpose(w, 0, 1), 1, x, contract) // [out, batch]
	} else {
		y = XW(x, w) // x is batch-major here: only a feature-major layer returns [out, batch]
	}
	if bias {
		b := scope.WithInitializer(bInit).VariableWithShape("biases", shapes.Make(dtypes.Float32, out)).NodeValue(g)
		batchAxis := 0
		if m.FeatureMajor {
			batchAxis = 1
		}
		y = Add(y, ExpandAxes(b, batchAxis))
	}
	return y
}
