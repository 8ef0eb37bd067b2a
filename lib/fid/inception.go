package fid

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// InceptionNetwork names the feature network of the standard FID in Stats.Network.
const InceptionNetwork = "inception-v3-fid"

// InceptionDim is the width of the FID features (Inception-v3 pool3).
const InceptionDim = 2048

// InceptionWeightsURL is where pytorch-fid publishes the FID Inception weights (a PyTorch state dict), which
// experiments/fid/convert_inception.py turns into the safetensors file LoadInception reads.
const InceptionWeightsURL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth"

// inceptionSize is the side images are resized to (bilinear) before the network, as in pytorch-fid.
const inceptionSize = 299

// inceptionBNEps is the ε of every batch norm of the network (TF / torchvision BasicConv2d).
const inceptionBNEps = 1e-3

// inceptionDefaultBatch is the default number of images per graph call.
const inceptionDefaultBatch = 50

// Inception is the FID variant of Inception-v3 (the 2015-12-05 TF graph that TF-FID and pytorch-fid use): the
// torchvision topology with pytorch-fid's patches — every 3×3 average pool of the Mixed blocks ignores padding
// (count_include_pad=False), and the last block (Mixed_7c) uses a 3×3 max pool in its pool branch — ending in the
// 2048-d global average pool ("pool3"). Each conv is followed by batch norm (ε = 1e-3, running statistics) and
// ReLU; the batch norms are folded into the convs when the weights are loaded.
//
// Weight file: safetensors (see safetensors.go) holding, for every conv layer L of the torchvision/pytorch-fid
// state dict (e.g. "Mixed_5b.branch5x5_2"), the five float32 tensors L.conv.weight [out, in, kh, kw],
// L.bn.weight, L.bn.bias, L.bn.running_mean, L.bn.running_var [out]. Other tensors (fc.*) are ignored.
//
// An Inception is not safe for concurrent use.
type Inception struct {
	Batch   int // images per graph call (default 50; the last call is padded with blank images)
	backend compute.Backend
	store   *model.Store
	exec    *model.Exec
	size    int // resize target: 299 (tests use 75, the smallest the network accepts)
}

// inceptionConv is one conv+BN+ReLU layer: its state-dict prefix, channels, kernel, stride and zero padding.
type inceptionConv struct {
	name            string
	in, out, kh, kw int
	stride, ph, pw  int
}

// inceptionConvs lists the 94 conv layers of the network with their shapes, in forward order.
func inceptionConvs() []inceptionConv {
	var cs []inceptionConv
	add := func(name string, in, out, kh, kw, stride, ph, pw int) {
		cs = append(cs, inceptionConv{name, in, out, kh, kw, stride, ph, pw})
	}
	add("Conv2d_1a_3x3", 3, 32, 3, 3, 2, 0, 0)
	add("Conv2d_2a_3x3", 32, 32, 3, 3, 1, 0, 0)
	add("Conv2d_2b_3x3", 32, 64, 3, 3, 1, 1, 1)
	add("Conv2d_3b_1x1", 64, 80, 1, 1, 1, 0, 0)
	add("Conv2d_4a_3x3", 80, 192, 3, 3, 1, 0, 0)
	blockA := func(p string, in, pool int) {
		add(p+".branch1x1", in, 64, 1, 1, 1, 0, 0)
		add(p+".branch5x5_1", in, 48, 1, 1, 1, 0, 0)
		add(p+".branch5x5_2", 48, 64, 5, 5, 1, 2, 2)
		add(p+".branch3x3dbl_1", in, 64, 1, 1, 1, 0, 0)
		add(p+".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1)
		add(p+".branch3x3dbl_3", 96, 96, 3, 3, 1, 1, 1)
		add(p+".branch_pool", in, pool, 1, 1, 1, 0, 0)
	}
	blockA("Mixed_5b", 192, 32)
	blockA("Mixed_5c", 256, 64)
	blockA("Mixed_5d", 288, 64)
	add("Mixed_6a.branch3x3", 288, 384, 3, 3, 2, 0, 0)
	add("Mixed_6a.branch3x3dbl_1", 288, 64, 1, 1, 1, 0, 0)
	add("Mixed_6a.branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1)
	add("Mixed_6a.branch3x3dbl_3", 96, 96, 3, 3, 2, 0, 0)
	blockC := func(p string, c7 int) {
		add(p+".branch1x1", 768, 192, 1, 1, 1, 0, 0)
		add(p+".branch7x7_1", 768, c7, 1, 1, 1, 0, 0)
		add(p+".branch7x7_2", c7, c7, 1, 7, 1, 0, 3)
		add(p+".branch7x7_3", c7, 192, 7, 1, 1, 3, 0)
		add(p+".branch7x7dbl_1", 768, c7, 1, 1, 1, 0, 0)
		add(p+".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0)
		add(p+".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3)
		add(p+".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0)
		add(p+".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3)
		add(p+".branch_pool", 768, 192, 1, 1, 1, 0, 0)
	}
	blockC("Mixed_6b", 128)
	blockC("Mixed_6c", 160)
	blockC("Mixed_6d", 160)
	blockC("Mixed_6e", 192)
	add("Mixed_7a.branch3x3_1", 768, 192, 1, 1, 1, 0, 0)
	add("Mixed_7a.branch3x3_2", 192, 320, 3, 3, 2, 0, 0)
	add("Mixed_7a.branch7x7x3_1", 768, 192, 1, 1, 1, 0, 0)
	add("Mixed_7a.branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3)
	add("Mixed_7a.branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0)
	add("Mixed_7a.branch7x7x3_4", 192, 192, 3, 3, 2, 0, 0)
	blockE := func(p string, in int) {
		add(p+".branch1x1", in, 320, 1, 1, 1, 0, 0)
		add(p+".branch3x3_1", in, 384, 1, 1, 1, 0, 0)
		add(p+".branch3x3_2a", 384, 384, 1, 3, 1, 0, 1)
		add(p+".branch3x3_2b", 384, 384, 3, 1, 1, 1, 0)
		add(p+".branch3x3dbl_1", in, 448, 1, 1, 1, 0, 0)
		add(p+".branch3x3dbl_2", 448, 384, 3, 3, 1, 1, 1)
		add(p+".branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1)
		add(p+".branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0)
		add(p+".branch_pool", in, 192, 1, 1, 1, 0, 0)
	}
	blockE("Mixed_7b", 1280)
	blockE("Mixed_7c", 2048)
	return cs
}

// inceptionTensorShapes maps every tensor name the weight file must hold to its shape.
func inceptionTensorShapes() map[string][]int {
	m := map[string][]int{}
	for _, c := range inceptionConvs() {
		m[c.name+".conv.weight"] = []int{c.out, c.in, c.kh, c.kw}
		for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
			m[c.name+".bn."+s] = []int{c.out}
		}
	}
	return m
}

// LoadInception reads the FID Inception weights from a safetensors file written by
// experiments/fid/convert_inception.py and prepares the network on backend b. A missing file, a missing tensor or
// a tensor of the wrong shape is reported by name.
func LoadInception(b compute.Backend, path string) (*Inception, error) {
	howTo := fmt.Sprintf("download %s and convert it with: python3 experiments/fid/convert_inception.py <that .pth> %s",
		InceptionWeightsURL, path)
	if path == "" {
		return nil, fmt.Errorf("fid: no Inception weight file given: %s", howTo)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("fid: Inception weight file %s does not exist: %s", path, howTo)
	}
	ts, err := ReadSafetensors(path)
	if err != nil {
		return nil, err
	}
	for name, shape := range inceptionTensorShapes() {
		t, ok := ts[name]
		if !ok {
			return nil, fmt.Errorf("fid: %s lacks tensor %q of the FID Inception network (is it the output of convert_inception.py?)", path, name)
		}
		if !equalInts(t.Shape, shape) {
			return nil, fmt.Errorf("fid: %s: tensor %q has shape %v, want %v", path, name, t.Shape, shape)
		}
	}
	return newInception(b, ts, inceptionSize)
}

// RandomInception is the network with random weights (He-normal convs, batch-norm statistics near identity) drawn
// from seed: for tests and timing, not for FID.
func RandomInception(b compute.Backend, seed uint64) (*Inception, error) {
	return newInception(b, inceptionRandomTensors(seed), inceptionSize)
}

// inceptionRandomTensors draws a random weight file's worth of tensors.
func inceptionRandomTensors(seed uint64) map[string]WeightTensor {
	rng := rand.New(rand.NewPCG(seed, 0x1ce7))
	ts := map[string]WeightTensor{}
	for _, c := range inceptionConvs() {
		std := math.Sqrt(2 / float64(c.in*c.kh*c.kw))
		w := make([]float32, c.out*c.in*c.kh*c.kw)
		for i := range w {
			w[i] = float32(std * rng.NormFloat64())
		}
		ts[c.name+".conv.weight"] = WeightTensor{Shape: []int{c.out, c.in, c.kh, c.kw}, Data: w}
		vec := func(f func() float64) WeightTensor {
			v := make([]float32, c.out)
			for i := range v {
				v[i] = float32(f())
			}
			return WeightTensor{Shape: []int{c.out}, Data: v}
		}
		ts[c.name+".bn.weight"] = vec(func() float64 { return 0.5 + rng.Float64() })
		ts[c.name+".bn.bias"] = vec(func() float64 { return 0.1 * rng.NormFloat64() })
		ts[c.name+".bn.running_mean"] = vec(func() float64 { return 0.1 * rng.NormFloat64() })
		ts[c.name+".bn.running_var"] = vec(func() float64 { return 0.5 + rng.Float64() })
	}
	return ts
}

// newInception folds each batch norm into its conv (W' = W·γ/√(var+ε), b' = β − mean·γ/√(var+ε), in float64),
// stores the kernels channels-last [kh, kw, in, out] as non-trainable variables, and builds the executor. size is
// the resize target.
func newInception(b compute.Backend, ts map[string]WeightTensor, size int) (*Inception, error) {
	store := model.NewStore()
	for _, c := range inceptionConvs() {
		w, bias := inceptionFold(c, ts)
		for _, v := range []struct {
			path string
			t    *tensors.Tensor
		}{
			{"/inception/" + c.name + "/weights", tensors.FromFlatDataAndDimensions(w, c.kh, c.kw, c.in, c.out)},
			{"/inception/" + c.name + "/biases", tensors.FromFlatDataAndDimensions(bias, c.out)},
		} {
			vr, err := store.CreateVariable(v.path, v.t)
			if err != nil {
				return nil, fmt.Errorf("fid: creating Inception variable %s: %w", v.path, err)
			}
			vr.SetTrainable(false)
		}
	}
	n := &Inception{Batch: inceptionDefaultBatch, backend: b, store: store, size: size}
	exec, err := model.NewExec(b, store, func(s *model.Scope, x *Node) *Node { return n.forward(x) })
	if err != nil {
		return nil, fmt.Errorf("fid: building the Inception graph: %w", err)
	}
	n.exec = exec
	return n, nil
}

// inceptionFold returns conv c's batch-norm-folded kernel [kh, kw, in, out] (row-major) and bias [out].
func inceptionFold(c inceptionConv, ts map[string]WeightTensor) (w, bias []float32) {
	wt := ts[c.name+".conv.weight"].Data // [out, in, kh, kw]
	gamma, beta := ts[c.name+".bn.weight"].Data, ts[c.name+".bn.bias"].Data
	mean, variance := ts[c.name+".bn.running_mean"].Data, ts[c.name+".bn.running_var"].Data
	w = make([]float32, len(wt))
	bias = make([]float32, c.out)
	for o := 0; o < c.out; o++ {
		scale := float64(gamma[o]) / math.Sqrt(float64(variance[o])+inceptionBNEps)
		bias[o] = float32(float64(beta[o]) - float64(mean[o])*scale)
		for i := 0; i < c.in; i++ {
			for y := 0; y < c.kh; y++ {
				for x := 0; x < c.kw; x++ {
					src := ((o*c.in+i)*c.kh+y)*c.kw + x
					dst := ((y*c.kw+x)*c.in+i)*c.out + o
					w[dst] = float32(float64(wt[src]) * scale)
				}
			}
		}
	}
	return w, bias
}

// Features returns the 2048-d pool3 features [n·2048] of n images given as [n, channels, height, width]
// (channel-major, values in [−1, 1]; values outside are clipped). channels is 3 (RGB) or 1 (grey, replicated to
// RGB). Each image is resized bilinearly to 299×299 (half-pixel centres, as PyTorch's
// interpolate(align_corners=False) in pytorch-fid); pytorch-fid's input scaling x ↦ 2x − 1 from [0, 1] is the
// identity here since images are already in [−1, 1]. Images are processed Batch at a time; an image's features do
// not depend on the other images of its batch. (pytorch-fid and EDM compute FID on 8-bit images: quantise
// generated samples first if comparing with published numbers.)
func (n *Inception) Features(images []float64, channels, height, width int) ([]float64, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("fid: Inception features need 1 or 3 channels, got %d", channels)
	}
	if height <= 0 || width <= 0 {
		return nil, fmt.Errorf("fid: image size %d×%d must be positive", height, width)
	}
	dim := channels * height * width
	if len(images)%dim != 0 {
		return nil, fmt.Errorf("fid: %d values is not a whole number of %d×%d×%d images", len(images), channels, height, width)
	}
	batch := n.Batch
	if batch <= 0 {
		batch = inceptionDefaultBatch
	}
	count := len(images) / dim
	out := make([]float64, 0, count*InceptionDim)
	buf := make([]float32, batch*dim)
	for start := 0; start < count; start += batch {
		m := min(batch, count-start)
		clear(buf)
		for i, v := range images[start*dim : (start+m)*dim] {
			buf[i] = float32(v)
		}
		res, err := n.exec.Call(tensors.FromFlatDataAndDimensions(buf, batch, channels, height, width))
		if err != nil {
			return nil, fmt.Errorf("fid: Inception forward pass: %w", err)
		}
		f := tensors.MustCopyFlatData[float32](res[0])
		for _, v := range f[:m*InceptionDim] {
			out = append(out, float64(v))
		}
		for _, r := range res {
			r.FinalizeAll()
		}
	}
	return out, nil
}

// forward maps x [batch, C, H, W] (C = 1 or 3, values in [−1, 1]) to the pool3 features [batch, 2048].
func (n *Inception) forward(x *Node) *Node {
	d := x.Shape().Dimensions
	batch := d[0]
	x = ClipScalar(x, -1, 1)
	if d[1] == 1 {
		x = BroadcastToDims(x, batch, 3, d[2], d[3])
	}
	x = TransposeAllDims(x, 0, 2, 3, 1) // [batch, H, W, 3]
	if d[2] != n.size || d[3] != n.size {
		x = Interpolate(x, NoInterpolation, n.size, n.size, NoInterpolation).Bilinear().HalfPixelCenters(true).Done()
	}
	convs := map[string]inceptionConv{}
	for _, c := range inceptionConvs() {
		convs[c.name] = c
	}
	conv := func(x *Node, name string) *Node { return n.basicConv(x, convs[name]) }

	x = conv(x, "Conv2d_1a_3x3")
	x = conv(x, "Conv2d_2a_3x3")
	x = conv(x, "Conv2d_2b_3x3")
	x = inceptionMaxPool(x, 2, 0)
	x = conv(x, "Conv2d_3b_1x1")
	x = conv(x, "Conv2d_4a_3x3")
	x = inceptionMaxPool(x, 2, 0)
	for _, p := range []string{"Mixed_5b", "Mixed_5c", "Mixed_5d"} {
		b5 := conv(conv(x, p+".branch5x5_1"), p+".branch5x5_2")
		b3 := conv(conv(conv(x, p+".branch3x3dbl_1"), p+".branch3x3dbl_2"), p+".branch3x3dbl_3")
		bp := conv(inceptionAvgPool(x), p+".branch_pool")
		x = Concatenate([]*Node{conv(x, p+".branch1x1"), b5, b3, bp}, -1)
	}
	{ // Mixed_6a (InceptionB)
		b3 := conv(x, "Mixed_6a.branch3x3")
		bd := conv(conv(conv(x, "Mixed_6a.branch3x3dbl_1"), "Mixed_6a.branch3x3dbl_2"), "Mixed_6a.branch3x3dbl_3")
		x = Concatenate([]*Node{b3, bd, inceptionMaxPool(x, 2, 0)}, -1)
	}
	for _, p := range []string{"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"} {
		b7 := conv(conv(conv(x, p+".branch7x7_1"), p+".branch7x7_2"), p+".branch7x7_3")
		bd := x
		for i := 1; i <= 5; i++ {
			bd = conv(bd, fmt.Sprintf("%s.branch7x7dbl_%d", p, i))
		}
		bp := conv(inceptionAvgPool(x), p+".branch_pool")
		x = Concatenate([]*Node{conv(x, p+".branch1x1"), b7, bd, bp}, -1)
	}
	{ // Mixed_7a (InceptionD)
		b3 := conv(conv(x, "Mixed_7a.branch3x3_1"), "Mixed_7a.branch3x3_2")
		b7 := x
		for i := 1; i <= 4; i++ {
			b7 = conv(b7, fmt.Sprintf("Mixed_7a.branch7x7x3_%d", i))
		}
		x = Concatenate([]*Node{b3, b7, inceptionMaxPool(x, 2, 0)}, -1)
	}
	for _, p := range []string{"Mixed_7b", "Mixed_7c"} {
		b3 := conv(x, p+".branch3x3_1")
		b3 = Concatenate([]*Node{conv(b3, p+".branch3x3_2a"), conv(b3, p+".branch3x3_2b")}, -1)
		bd := conv(conv(x, p+".branch3x3dbl_1"), p+".branch3x3dbl_2")
		bd = Concatenate([]*Node{conv(bd, p+".branch3x3dbl_3a"), conv(bd, p+".branch3x3dbl_3b")}, -1)
		var pooled *Node
		if p == "Mixed_7b" {
			pooled = inceptionAvgPool(x) // FIDInceptionE_1
		} else {
			pooled = inceptionMaxPool(x, 1, 1) // FIDInceptionE_2: max pool, the FID network's quirk
		}
		x = Concatenate([]*Node{conv(x, p+".branch1x1"), b3, bd, conv(pooled, p+".branch_pool")}, -1)
	}
	return ReduceMean(x, 1, 2) // global average pool → [batch, 2048]
}

// basicConv is conv (BN folded in) + bias + ReLU on x [batch, H, W, in] → [batch, H', W', out].
func (n *Inception) basicConv(x *Node, c inceptionConv) *Node {
	g := x.Graph()
	w := n.store.GetVariable("/inception/" + c.name + "/weights").NodeValue(g)
	b := n.store.GetVariable("/inception/" + c.name + "/biases").NodeValue(g)
	return inceptionConvApply(x, w, b, c)
}

// inceptionConvApply is ReLU(conv(x, w) + b) for x [batch, H, W, in], w [kh, kw, in, out], b [out], with c's
// stride and zero padding. 1×1 stride-1 convs are computed as one matrix product.
func inceptionConvApply(x, w, b *Node, c inceptionConv) *Node {
	var y *Node
	if c.kh == 1 && c.kw == 1 && c.stride == 1 {
		d := x.Shape().Dimensions
		y = Reshape(MatMul(Reshape(x, d[0]*d[1]*d[2], c.in), Reshape(w, c.in, c.out)), d[0], d[1], d[2], c.out)
	} else {
		y = Convolve(x, w).StridePerAxis(c.stride, c.stride).PaddingPerDim([][2]int{{c.ph, c.ph}, {c.pw, c.pw}}).Done()
	}
	y = Add(y, Reshape(b, 1, 1, 1, c.out))
	return Max(y, ScalarZero(y.Graph(), y.DType()))
}

// inceptionMaxPool is a 3×3 max pool with the given stride and padding (padded cells never win) on [batch, H, W, C].
func inceptionMaxPool(x *Node, stride, pad int) *Node {
	return MaxPool(x).Window(3).Strides(stride).PaddingPerDim([][2]int{{pad, pad}, {pad, pad}}).Done()
}

// inceptionAvgPool is the 3×3, stride-1, padding-1 average pool of the FID blocks, averaging only the cells inside
// the image (PyTorch count_include_pad=False, TF's behaviour) on [batch, H, W, C].
func inceptionAvgPool(x *Node) *Node {
	return MeanPool(x).Window(3).Strides(1).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Done()
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
