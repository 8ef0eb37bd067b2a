package nets

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// DiT is a small Diffusion Transformer (Peebles & Xie, 2023) over image patches, the image backbone for the CPU:
// it uses only matrix products, which GoMLX's pure-Go backend runs near PyTorch speed (its convolutions are ~100×
// slower). F(x, c₁..c_k): the image is cut into Patch×Patch patches, each embedded linearly plus a fixed 2-D sin-cos
// position code; the time inputs give a conditioning vector c (sum over times of an MLP of each one's sinusoidal
// embedding), which modulates every block through adaLN-Zero (per-block shift, scale and gate from c, all
// zero-initialised so each block starts as the identity); the blocks are multi-head self-attention and a SiLU MLP;
// a final adaLN + zero-initialised linear layer maps tokens back to patches. At initialisation F ≡ 0.
//
// Every op is twice differentiable (plain MatMul + bias, x·sigmoid(x), LayerNorm and softmax written out), so a JVP
// can be taken as a double VJP (MeanFlow).
type DiT struct {
	Channels, Height, Width int // image shape; inputs are flat [batch, Channels*Height*Width], channel-major (C,H,W)
	Patch                   int // patch size (divides Height and Width)
	Hidden                  int // token width (a multiple of 4 for the 2-D position code)
	Depth                   int // transformer blocks
	Heads                   int // attention heads (divides Hidden)
	MLPRatio                int // MLP hidden = MLPRatio*Hidden
	Times                   int // number of time inputs (1 or 2)
	NumFreqs                int // sinusoidal frequencies per time input
}

// DefaultDiT is the CPU-sized backbone for MNIST-like images (28×28): patch 4 (49 tokens), width 96, 4 blocks of
// 4 heads, MLP ratio 4, 16 frequencies per time input (703,696 parameters with one time input, 1.53 GMAC per
// forward pass of a batch of 64). Its flow-matching training step (Adam) ran at ~150 images/s on the 2-core CPU
// with another job using one core (BenchmarkDiTTrainStep, batch 64 or 128 alike; width 64: ~230, width 128: ~110),
// i.e. ~6k steps of batch 64 in 45 minutes. A MeanFlow step (exact JVP) costs ~1.65× a flow-matching step.
func DefaultDiT(channels, height, width, times int) DiT {
	return DiT{Channels: channels, Height: height, Width: width, Patch: 4, Hidden: 96, Depth: 4, Heads: 4,
		MLPRatio: 4, Times: times, NumFreqs: 16}
}

// Validate checks that the configuration is consistent.
func (d DiT) Validate() error {
	switch {
	case d.Channels < 1 || d.Height < 1 || d.Width < 1:
		return fmt.Errorf("nets.DiT: image shape %d×%d×%d must be positive", d.Channels, d.Height, d.Width)
	case d.Patch < 1 || d.Height%d.Patch != 0 || d.Width%d.Patch != 0:
		return fmt.Errorf("nets.DiT: patch %d must divide height %d and width %d", d.Patch, d.Height, d.Width)
	case d.Hidden < 4 || d.Hidden%4 != 0:
		return fmt.Errorf("nets.DiT: hidden %d must be a positive multiple of 4 (2-D sin-cos position code)", d.Hidden)
	case d.Heads < 1 || d.Hidden%d.Heads != 0:
		return fmt.Errorf("nets.DiT: heads %d must divide hidden %d", d.Heads, d.Hidden)
	case d.Depth < 0 || d.MLPRatio < 1:
		return fmt.Errorf("nets.DiT: depth %d must be ≥ 0 and MLP ratio %d ≥ 1", d.Depth, d.MLPRatio)
	case d.Times < 1 || d.NumFreqs < 1:
		return fmt.Errorf("nets.DiT: need ≥ 1 time input (got %d) and ≥ 1 frequency (got %d)", d.Times, d.NumFreqs)
	}
	return nil
}

// ditTokens is the number of patches (tokens) per image.
func (d DiT) ditTokens() int { return (d.Height / d.Patch) * (d.Width / d.Patch) }

// ditPatchDim is the number of values in one patch, Channels·Patch².
func (d DiT) ditPatchDim() int { return d.Channels * d.Patch * d.Patch }

// Params is the number of trainable scalars Apply creates (weights and biases of every linear layer).
func (d DiT) Params() int {
	h, p, r := d.Hidden, d.ditPatchDim(), d.MLPRatio*d.Hidden
	lin := func(in, out int) int { return in*out + out }
	n := lin(p, h)                                             // patch embedding
	n += d.Times * (lin(2*d.NumFreqs+1, h) + lin(h, h))        // time MLPs
	block := lin(h, 6*h) + 4*lin(h, h) + lin(h, r) + lin(r, h) // adaLN, Q/K/V/out projections, MLP
	n += d.Depth * block
	n += lin(h, 2*h) + lin(h, p) // final adaLN and output layer
	return n
}

// MACs is the number of multiply-accumulates of the matrix products in one forward pass of one image (the
// convention of the PyTorch peer's count_macs, which counts Linear and Conv2d layers; elementwise ops, LayerNorm
// and softmax are not counted). A training step costs about 3× this per image.
func (d DiT) MACs() int {
	h, p, r, n := d.Hidden, d.ditPatchDim(), d.MLPRatio*d.Hidden, d.ditTokens()
	macs := n*p*h + d.Times*((2*d.NumFreqs+1)*h+h*h) // patch embedding, time MLPs
	block := h*6*h + n*(4*h*h+2*h*r) + 2*n*n*h       // adaLN; Q, K, V, out and MLP per token; q·kᵀ and att·v
	return macs + d.Depth*block + h*2*h + n*h*p      // final adaLN and output layer
}

// Apply evaluates F on x [batch, Channels·Height·Width] and the time inputs cs (each [batch], already
// transformed, e.g. flow-matching t or c_noise), returning [batch, Channels·Height·Width]. Weights live under scope.
func (d DiT) Apply(scope *model.Scope, x *Node, cs ...*Node) *Node {
	if err := d.Validate(); err != nil {
		panic(err)
	}
	if len(cs) != d.Times {
		panic(fmt.Sprintf("nets.DiT: got %d time inputs, configured for %d", len(cs), d.Times))
	}
	if x.Rank() != 2 || x.Shape().Dimensions[1] != d.Channels*d.Height*d.Width {
		panic(fmt.Sprintf("nets.DiT: input shape %s, want [batch, %d]", x.Shape(), d.Channels*d.Height*d.Width))
	}
	batch, n, h := x.Shape().Dimensions[0], d.ditTokens(), d.Hidden

	// Tokens [batch, n, h]: linear patch embedding plus the fixed position code.
	tok := ditLinear(scope.At("patch"), d.ditPatchify(x), h, ditXavier) // [batch·n, h]
	pos := ExpandAxes(Const(x.Graph(), d.ditPosEmbed()), 0)             // [1, n, h]
	z := Add(Reshape(tok, batch, n, h), pos)

	c := d.ditCondition(scope, cs) // [batch, h]
	sc := ditSiLU(c)
	for l := 0; l < d.Depth; l++ {
		z = d.ditBlock(scope.At("block_%d", l), z, sc)
	}

	// Final layer: adaLN (shift, scale) then a zero-initialised projection to patches.
	mod := ditLinear(scope.At("final").At("adaLN"), sc, 2*h, ditZero) // [batch, 2h]
	z = ditModulate(ditLayerNorm(z), ditChunk(mod, 0, h), ditChunk(mod, 1, h))
	out := ditLinear(scope.At("final").At("out"), Reshape(z, batch*n, h), d.ditPatchDim(), ditZero)
	return d.ditUnpatchify(out, batch)
}

// ditCondition is the conditioning vector c [batch, Hidden] = Σ_i MLP_i(emb(c_i)), with emb the sinusoidal
// embedding (frequencies 0.5…32 rad per unit of c, as the MLP backbone) and MLP_i = Linear → SiLU → Linear. The
// output layer of every MLP_i after the first starts at zero, so the extra time inputs start switched off: a
// two-time DiT whose other weights are copied from a one-time DiT (nets.WidenTimes) computes the one-time DiT's
// function, F'(x, c₁, c₂) = F(x, c₁).
func (d DiT) ditCondition(scope *model.Scope, cs []*Node) *Node {
	var c *Node
	for i, ci := range cs {
		ts := scope.At("time_%d", i)
		out := ditXavier
		if i > 0 {
			out = ditZero
		}
		e := SinusoidalEmbedding(ci, d.NumFreqs, 0.5, 32)
		e = ditLinear(ts.At("fc1"), e, d.Hidden, ditXavier)
		e = ditLinear(ts.At("fc2"), ditSiLU(e), d.Hidden, out)
		if c == nil {
			c = e
		} else {
			c = Add(c, e)
		}
	}
	return c
}

// ditBlock is one adaLN-Zero transformer block on z [batch, n, h] with sc = SiLU(c) [batch, h]:
// z += gate₁·Attn(modulate(LN(z), shift₁, scale₁)); z += gate₂·MLP(modulate(LN(z), shift₂, scale₂)).
func (d DiT) ditBlock(scope *model.Scope, z, sc *Node) *Node {
	dims := z.Shape().Dimensions
	batch, n, h := dims[0], dims[1], dims[2]
	mod := ditLinear(scope.At("adaLN"), sc, 6*h, ditZero) // [batch, 6h]: shift₁, scale₁, gate₁, shift₂, scale₂, gate₂

	a := ditModulate(ditLayerNorm(z), ditChunk(mod, 0, h), ditChunk(mod, 1, h))
	a = d.ditAttention(scope.At("attn"), Reshape(a, batch*n, h), batch, n)
	z = Add(z, Mul(ditChunk(mod, 2, h), Reshape(a, batch, n, h)))

	m := ditModulate(ditLayerNorm(z), ditChunk(mod, 3, h), ditChunk(mod, 4, h))
	m = ditLinear(scope.At("mlp").At("fc1"), Reshape(m, batch*n, h), d.MLPRatio*h, ditXavier)
	m = ditLinear(scope.At("mlp").At("fc2"), ditSiLU(m), h, ditXavier)
	return Add(z, Mul(ditChunk(mod, 5, h), Reshape(m, batch, n, h)))
}
