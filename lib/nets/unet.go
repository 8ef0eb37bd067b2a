package nets

import (
	"fmt"
	"math"
	"os"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// UNet is the DDPM++ U-Net of EDM (NVlabs/edm networks.py SongUNet with the "ddpmpp" settings: positional time
// embedding, standard encoder/decoder, resample filter [1,1], additive time injection, one attention head), the
// image backbone of the paper's CIFAR-10 runs. It works on flat channel-major images x [batch, C·H·W].
//
// Architecture, resolution r = Height >> level for level = 0..len(Mult)−1:
//   - time embedding: each time input c_i [batch] → positional embedding [sin(c f_k), cos(c f_k)], f_k = 10⁻⁴^(k/(NumFreqs−1));
//     with Times = 2 (flow map h(x, t, s)) the two embeddings are CONCATENATED (so the net can tell t from s), then
//     Linear → SiLU → Linear → SiLU to width 4·ModelChannels;
//   - encoder: 3×3 conv to ModelChannels at level 0, a down-sampling residual block at each later level, then
//     BlocksPerRes residual blocks to ModelChannels·Mult[level] channels (self-attention after each block when
//     r ∈ AttnRes); every encoder output is kept as a skip;
//   - decoder: at the lowest resolution two blocks (the first with attention), elsewhere an up-sampling block; then
//     BlocksPerRes+1 blocks each taking [x, skip] concatenated on channels (attention in the last one when r ∈ AttnRes);
//   - output: GroupNorm → SiLU → 3×3 conv to Channels, zero-initialised, so F ≡ 0 at initialisation.
//
// Residual block (in → out channels): h = conv3×3(SiLU(GN(x))) [resampled first when up/down];
// h = SiLU(GN(h + Linear(emb))); h = conv3×3(dropout(h)); y = (h + skip(x))/√2, where skip is a 1×1 conv when
// the channels or the resolution change (identity otherwise). Attention: y ← (y + proj(attn(GN(y))))/√2.
// GroupNorm uses min(32, C/4) groups and ε = 1e-6. Weights are Xavier-uniform as in EDM, except the residual-branch
// output convs and attention projections (Xavier × 1e-5, as EDM) and the final conv (exactly zero; EDM: × 1e-5).
//
// Resampling is exact for EDM's ddpmpp filter [1,1]: down = 2×2 average pooling, up = nearest-neighbour ×2 (EDM's
// FIR filter [1,3,3,1] of the ncsnpp config is not implemented). Both are written with Reshape/Reduce/Broadcast,
// which are twice differentiable. Convolutions use Convolve, channels-last internally.
//
// Dropout is active only when the store is in training mode (store.SetTraining(g, true)); it draws from the
// store's RNG. Differences from EDM's ddpmpp CIFAR-10 net: none in the parameter count for Times = 1
// (see UNet.Params); Times = 2 adds 2·NumFreqs·4·ModelChannels weights to the first embedding layer.
type UNet struct {
	Channels, Height, Width int     // image geometry: x is [batch, Channels·Height·Width], channel-major
	ModelChannels           int     // base width (128 for CIFAR-10)
	Mult                    []int   // channel multiplier per resolution level ([2,2,2])
	BlocksPerRes            int     // residual blocks per level in the encoder (the decoder has one more) (4)
	AttnRes                 []int   // resolutions (image heights) with self-attention ([16])
	Dropout                 float64 // dropout probability inside residual blocks, training only (0.2 in CMT)
	Times                   int     // number of time inputs: 1 (denoiser, consistency model) or 2 (flow map)
	NumFreqs                int     // positional-embedding frequencies per time input (0 = ModelChannels/2, EDM's)
}

// CIFAR10UNet is the paper's CIFAR-10 backbone: EDM ddpmpp, 128 channels, multipliers [2,2,2], 4 blocks per level,
// attention at 16×16, dropout 0.2, with times time inputs.
func CIFAR10UNet(times int) UNet {
	return UNet{Channels: 3, Height: 32, Width: 32, ModelChannels: 128, Mult: []int{2, 2, 2}, BlocksPerRes: 4,
		AttnRes: []int{16}, Dropout: 0.2, Times: times, NumFreqs: 64}
}

// unetEmbMult is EDM's channel_mult_emb: the time embedding has 4·ModelChannels channels.
const unetEmbMult = 4

// unetEps is the GroupNorm ε of EDM's blocks.
const unetEps = 1e-6

// unetBlockSpec is one residual block of the plan: its scope name, channels, resampling, attention and whether
// a skip is concatenated to its input first.
type unetBlockSpec struct {
	name           string
	in, out        int
	up, down, attn bool
	catSkip        bool // decoder block fed [x, skip] concatenated on channels
}

// unetPlan lists, in order, the encoder entries (the first is the input conv, marked by in == Channels and name
// suffix "_conv") and the decoder blocks, with their channel counts, exactly as EDM's SongUNet builds them.
func (u UNet) unetPlan() (enc, dec []unetBlockSpec) {
	cout := u.ModelChannels
	var skips []int
	for level, mult := range u.Mult {
		res := u.Height >> level
		if level == 0 {
			enc = append(enc, unetBlockSpec{name: fmt.Sprintf("%dx%d_conv", res, res), in: u.Channels, out: cout})
		} else {
			enc = append(enc, unetBlockSpec{name: fmt.Sprintf("%dx%d_down", res, res), in: cout, out: cout, down: true})
		}
		skips = append(skips, cout)
		for i := 0; i < u.BlocksPerRes; i++ {
			cin := cout
			cout = u.ModelChannels * mult
			enc = append(enc, unetBlockSpec{name: fmt.Sprintf("%dx%d_block%d", res, res, i), in: cin, out: cout,
				attn: unetContains(u.AttnRes, res)})
			skips = append(skips, cout)
		}
	}
	for level := len(u.Mult) - 1; level >= 0; level-- {
		res := u.Height >> level
		if level == len(u.Mult)-1 {
			dec = append(dec, unetBlockSpec{name: fmt.Sprintf("%dx%d_in0", res, res), in: cout, out: cout, attn: true})
			dec = append(dec, unetBlockSpec{name: fmt.Sprintf("%dx%d_in1", res, res), in: cout, out: cout})
		} else {
			dec = append(dec, unetBlockSpec{name: fmt.Sprintf("%dx%d_up", res, res), in: cout, out: cout, up: true})
		}
		for i := 0; i <= u.BlocksPerRes; i++ {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			cin := cout + skip
			cout = u.ModelChannels * u.Mult[level]
			dec = append(dec, unetBlockSpec{name: fmt.Sprintf("%dx%d_block%d", res, res, i), in: cin, out: cout,
				attn: i == u.BlocksPerRes && unetContains(u.AttnRes, res), catSkip: true})
		}
	}
	return enc, dec
}

func unetContains(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// numFreqs is NumFreqs, or ModelChannels/2 when unset.
func (u UNet) numFreqs() int {
	if u.NumFreqs > 0 {
		return u.NumFreqs
	}
	return u.ModelChannels / 2
}

// Validate reports a configuration the network cannot be built with.
func (u UNet) Validate() error {
	switch {
	case u.Channels <= 0 || u.Height <= 0 || u.Width <= 0:
		return fmt.Errorf("nets.UNet: image geometry %d×%d×%d must be positive", u.Channels, u.Height, u.Width)
	case u.ModelChannels <= 0 || len(u.Mult) == 0 || u.BlocksPerRes <= 0:
		return fmt.Errorf("nets.UNet: ModelChannels %d, Mult %v, BlocksPerRes %d: all must be set (see CIFAR10UNet)",
			u.ModelChannels, u.Mult, u.BlocksPerRes)
	case u.Times != 1 && u.Times != 2:
		return fmt.Errorf("nets.UNet: Times = %d, want 1 (denoiser/consistency) or 2 (flow map)", u.Times)
	case u.numFreqs() < 2:
		return fmt.Errorf("nets.UNet: NumFreqs %d, want ≥ 2", u.numFreqs())
	case u.Dropout < 0 || u.Dropout >= 1:
		return fmt.Errorf("nets.UNet: Dropout %v outside [0, 1)", u.Dropout)
	}
	f := 1 << (len(u.Mult) - 1)
	if u.Height%f != 0 || u.Width%f != 0 {
		return fmt.Errorf("nets.UNet: %d×%d images cannot be halved %d times; use sizes divisible by %d",
			u.Height, u.Width, len(u.Mult)-1, f)
	}
	for _, m := range u.Mult {
		if c := u.ModelChannels * m; c%4 != 0 || m <= 0 {
			return fmt.Errorf("nets.UNet: ModelChannels·Mult = %d must be a positive multiple of 4 (GroupNorm groups)", c)
		}
	}
	if u.ModelChannels%4 != 0 {
		return fmt.Errorf("nets.UNet: ModelChannels %d must be a multiple of 4 (GroupNorm groups)", u.ModelChannels)
	}
	return nil
}

// Params is the number of trainable parameters of the network, counted from the same plan Apply builds.
func (u UNet) Params() int {
	emb := unetEmbMult * u.ModelChannels
	n := u.Times*2*u.numFreqs()*emb + emb + emb*emb + emb // two embedding layers
	enc, dec := u.unetPlan()
	for i, b := range append(enc, dec...) {
		if i == 0 { // input conv
			n += 9*b.in*b.out + b.out
			continue
		}
		n += 2*b.in + 9*b.in*b.out + b.out // norm0, conv0
		n += emb*b.out + b.out             // affine
		n += 2*b.out + 9*b.out*b.out + b.out
		if b.in != b.out || b.up || b.down {
			n += b.in*b.out + b.out
		}
		if b.attn {
			n += 2*b.out + 3*b.out*b.out + 3*b.out + b.out*b.out + b.out
		}
	}
	last := dec[len(dec)-1].out
	return n + 2*last + 9*last*u.Channels + u.Channels // output norm + conv
}

// Apply evaluates F(x, c_1..c_Times) on x [batch, Channels·Height·Width] (channel-major) with time inputs cs, each
// [batch] (already transformed, e.g. c_noise = ln(σ)/4), returning [batch, Channels·Height·Width]. Weights live
// under scope (names follow EDM's: map_layer0, enc/32x32_block0/conv0, …). It panics on a bad configuration or
// input shape with an error value saying why (an Exec returns it as its error).
func (u UNet) Apply(scope *model.Scope, x *Node, cs ...*Node) *Node {
	if err := u.Validate(); err != nil {
		panic(err)
	}
	if len(cs) != u.Times {
		panic(fmt.Errorf("nets.UNet: got %d time inputs, configured for %d", len(cs), u.Times))
	}
	dim := u.Channels * u.Height * u.Width
	if x.Rank() != 2 || x.Shape().Dimensions[1] != dim {
		panic(fmt.Errorf("nets.UNet: x has shape %s, want [batch, %d] (C·H·W = %d·%d·%d)", x.Shape(), dim,
			u.Channels, u.Height, u.Width))
	}
	batch := x.Shape().Dimensions[0]

	// Time embedding [batch, 4·ModelChannels].
	embs := make([]*Node, len(cs))
	for i, c := range cs {
		embs[i] = unetPositional(c, u.numFreqs())
	}
	emb := embs[0]
	if len(embs) > 1 {
		emb = Concatenate(embs, -1)
	}
	embW := unetEmbMult * u.ModelChannels
	emb = unetSiLU(unetLinear(scope.At("map_layer0"), emb, embW, 1))
	emb = unetSiLU(unetLinear(scope.At("map_layer1"), emb, embW, 1))

	// Channel-major [batch, C·H·W] → channels-last [batch, H, W, C].
	h := TransposeAllDims(Reshape(x, batch, u.Channels, u.Height, u.Width), 0, 2, 3, 1)
	enc, dec := u.unetPlan()
	var skips []*Node
	for i, b := range enc {
		s := scope.At("enc").At("%s", b.name)
		if i == 0 {
			h = unetConv(s.At("conv"), h, b.out, 3, 1)
		} else {
			h = u.unetBlock(s, h, emb, b)
		}
		skips = append(skips, h)
	}
	for _, b := range dec {
		if b.catSkip {
			h = Concatenate([]*Node{h, skips[len(skips)-1]}, -1)
			skips = skips[:len(skips)-1]
		}
		h = u.unetBlock(scope.At("dec").At("%s", b.name), h, emb, b)
	}
	out := scope.At("dec").At("%dx%d_aux", u.Height, u.Height)
	h = unetSiLU(unetGroupNorm(out.At("norm"), h))
	h = unetConv(out.At("conv"), h, u.Channels, 3, 0)
	return Reshape(TransposeAllDims(h, 0, 3, 1, 2), batch, dim)
}

// unetBlock is EDM's UNetBlock (additive embedding) on h [batch, H, W, b.in] → [batch, H', W', b.out].
func (u UNet) unetBlock(scope *model.Scope, h, emb *Node, b unetBlockSpec) *Node {
	orig := h
	r := unetSiLU(unetGroupNorm(scope.At("norm0"), h))
	r = unetResample(r, b.up, b.down)
	r = unetConv(scope.At("conv0"), r, b.out, 3, 1)
	shift := unetLinear(scope.At("affine"), emb, b.out, 1) // [batch, out]
	r = Add(r, Reshape(shift, shift.Shape().Dimensions[0], 1, 1, b.out))
	r = unetSiLU(unetGroupNorm(scope.At("norm1"), r))
	r = layers.DropoutStatic(scope, r, u.Dropout)
	r = unetConv(scope.At("conv1"), r, b.out, 3, 1e-5)
	if b.in != b.out || b.up || b.down {
		orig = unetConv(scope.At("skip"), unetResample(orig, b.up, b.down), b.out, 1, 1)
	}
	h = MulScalar(Add(r, orig), math.Sqrt(0.5))
	if b.attn {
		h = MulScalar(Add(h, unetAttention(scope, h)), math.Sqrt(0.5))
	}
	return h
}

// unetAttention is single-head self-attention over the H·W positions of h [batch, H, W, C]: q, k, v from one 1×1
// conv (3C channels, interleaved as EDM's qkv: channel 3c+j is component j of channel c), softmax(q·k/√C) v, then a
// 1×1 projection (Xavier × 1e-5). Returns [batch, H, W, C].
func unetAttention(scope *model.Scope, h *Node) *Node {
	d := h.Shape().Dimensions
	batch, hh, ww, c := d[0], d[1], d[2], d[3]
	qkv := unetConv(scope.At("qkv"), unetGroupNorm(scope.At("norm2"), h), 3*c, 1, math.Sqrt(0.2))
	qkv = Reshape(qkv, batch, hh*ww, c, 3)
	q := Reshape(Slice(qkv, AxisRange(), AxisRange(), AxisRange(), AxisElem(0)), batch, hh*ww, c)
	k := Reshape(Slice(qkv, AxisRange(), AxisRange(), AxisRange(), AxisElem(1)), batch, hh*ww, c)
	v := Reshape(Slice(qkv, AxisRange(), AxisRange(), AxisRange(), AxisElem(2)), batch, hh*ww, c)
	w := Softmax(MulScalar(Einsum("bqc,bkc->bqk", q, k), 1/math.Sqrt(float64(c))), -1)
	a := Reshape(Einsum("bqk,bkc->bqc", w, v), batch, hh, ww, c)
	return unetConv(scope.At("proj"), a, c, 1, 1e-5)
}

// unetResample applies EDM's [1,1]-filter resampling to h [batch, H, W, C]: up = nearest ×2 → [batch, 2H, 2W, C];
// down = 2×2 mean → [batch, H/2, W/2, C]; neither = h.
func unetResample(h *Node, up, down bool) *Node {
	d := h.Shape().Dimensions
	b, hh, ww, c := d[0], d[1], d[2], d[3]
	switch {
	case up:
		e := Reshape(h, b, hh, 1, ww, 1, c)
		return Reshape(BroadcastToDims(e, b, hh, 2, ww, 2, c), b, 2*hh, 2*ww, c)
	case down:
		return ReduceMean(Reshape(h, b, hh/2, 2, ww/2, 2, c), 2, 4)
	}
	return h
}

// unetPositional is EDM's PositionalEmbedding (endpoint=True, max_positions 10⁴) in the ddpmpp order [sin, cos]:
// c [batch] → [batch, 2·numFreqs] with frequencies f_k = 10⁻⁴^(k/(numFreqs−1)) radians per unit of c.
func unetPositional(c *Node, numFreqs int) *Node {
	freqs := make([]float32, numFreqs)
	for k := range freqs {
		freqs[k] = float32(math.Pow(1e-4, float64(k)/float64(numFreqs-1)))
	}
	arg := Mul(ExpandAxes(c, -1), ExpandAxes(Const(c.Graph(), freqs), 0)) // [batch, numFreqs]
	return Concatenate([]*Node{Sin(arg), Cos(arg)}, -1)
}

// unetSiLU is x·sigmoid(x), written out so that it is twice differentiable.
func unetSiLU(x *Node) *Node { return Mul(x, Sigmoid(x)) }

// unetXavier is EDM's xavier_uniform initialiser times scale (scale 0 gives exact zeros).
func unetXavier(scope *model.Scope, scale float64) initializer.VariableInitializer {
	if scale == 0 {
		return initializer.Zero
	}
	xavier := initializer.XavierUniformFn(scope)
	return func(g *Graph, shape shapes.Shape) *Node { return MulScalar(xavier(g, shape), scale) }
}

// unetLinear is x W + b for x [batch, in]: W [in, out] Xavier-uniform × scale, b zero.
func unetLinear(scope *model.Scope, x *Node, out int, scale float64) *Node {
	in := x.Shape().Dimensions[1]
	w := scope.WithInitializer(unetXavier(scope, scale)).VariableWithShape("weights", shapes.Make(dtypes.Float32, in, out))
	b := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(dtypes.Float32, out))
	return Add(XW(x, w.NodeValue(x.Graph())), ExpandAxes(b.NodeValue(x.Graph()), 0))
}

// unetConv is a k×k "same" convolution with bias on x [batch, H, W, in] → [batch, H, W, out]; the kernel
// [k, k, in, out] is Xavier-uniform (fan_in = in·k², fan_out = out·k²) × scale, the bias zero.
func unetConv(scope *model.Scope, x *Node, out, k int, scale float64) *Node {
	in := x.Shape().Dimensions[3]
	g := x.Graph()
	w := scope.WithInitializer(unetXavier(scope, scale)).VariableWithShape("weights", shapes.Make(dtypes.Float32, k, k, in, out))
	b := scope.WithInitializer(initializer.Zero).VariableWithShape("biases", shapes.Make(dtypes.Float32, out))
	var y *Node
	switch {
	case k == 1:
		y = XW(x, Reshape(w.NodeValue(g), in, out))
	case convAsMatMul(g):
		y = convSameIm2col(x, w.NodeValue(g))
	default:
		y = Convolve(x, w.NodeValue(g)).PadSame().Done()
	}
	return Add(y, Reshape(b.NodeValue(g), 1, 1, 1, out))
}

// UNetConvEnv names the environment variable that forces the U-Net's k×k convolutions to one formulation:
// "im2col" or "convolve". Unset, the pure-Go backend ("go") uses im2col and every other backend Convolve.
const UNetConvEnv = "CMT_UNET_CONV"

// convAsMatMul reports whether g's k×k convolutions are written as im2col + one MatMul: on the pure-Go backend
// that is several times faster than Convolve with its gradient (BenchmarkUNetTrainStep); XLA prefers Convolve.
func convAsMatMul(g *Graph) bool {
	switch os.Getenv(UNetConvEnv) {
	case "im2col":
		return true
	case "convolve":
		return false
	}
	return g.Backend().String() == "go"
}

// convSameIm2col is the stride-1 zero-padded "same" cross-correlation of x [batch, H, W, in] with w [k, k, in,
// out] (k odd) → [batch, H, W, out], identical to Convolve(x, w).PadSame(): the k column shifts of the padded x are
// concatenated on the channel axis, then the k row shifts of that, giving patches [batch·H·W, k·k·in] whose channel
// (dy·k + dx)·in + c matches w reshaped to [k·k·in, out].
func convSameIm2col(x, w *Node) *Node {
	d := x.Shape().Dimensions
	n, hh, ww, c := d[0], d[1], d[2], d[3]
	k, out := w.Shape().Dimensions[0], w.Shape().Dimensions[3]
	r := k / 2
	xp := Pad(x, ScalarZero(x.Graph(), x.DType()),
		compute.PadAxis{}, compute.PadAxis{Start: r, End: r}, compute.PadAxis{Start: r, End: r}, compute.PadAxis{})
	cols := make([]*Node, k)
	for dx := range cols {
		cols[dx] = Slice(xp, AxisRange(), AxisRange(), AxisRange(dx, dx+ww), AxisRange())
	}
	byCol := Concatenate(cols, -1) // [batch, H+2r, W, k·in]
	rows := make([]*Node, k)
	for dy := range rows {
		rows[dy] = Slice(byCol, AxisRange(), AxisRange(dy, dy+hh), AxisRange(), AxisRange())
	}
	p := Reshape(Concatenate(rows, -1), n*hh*ww, k*k*c)
	return Reshape(XW(p, Reshape(w, k*k*c, out)), n, hh, ww, out)
}

// unetGroupNorm normalises x [batch, H, W, C] over (H, W, C/G) within each of G = min(32, C/4) channel groups,
// with ε = 1e-6 and a learned per-channel scale (init 1) and shift (init 0).
func unetGroupNorm(scope *model.Scope, x *Node) *Node {
	d := x.Shape().Dimensions
	b, hh, ww, c := d[0], d[1], d[2], d[3]
	groups := min(32, c/4)
	g := x.Graph()
	xg := Reshape(x, b, hh*ww, groups, c/groups)
	mean := ReduceAndKeep(xg, ReduceMean, 1, 3)
	cen := Sub(xg, mean)
	variance := ReduceAndKeep(Square(cen), ReduceMean, 1, 3)
	norm := Reshape(Mul(cen, Inverse(Sqrt(AddScalar(variance, unetEps)))), b, hh, ww, c)
	scale := scope.WithInitializer(initializer.One).VariableWithShape("scale", shapes.Make(dtypes.Float32, c))
	shift := scope.WithInitializer(initializer.Zero).VariableWithShape("shift", shapes.Make(dtypes.Float32, c))
	return Add(Mul(norm, Reshape(scale.NodeValue(g), 1, 1, 1, c)), Reshape(shift.NodeValue(g), 1, 1, 1, c))
}
