package fid

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func wantErrContaining(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not mention %q", err, p)
		}
	}
}

// TestSafetensorsRoundTrip checks that WriteSafetensors → ReadSafetensors returns every name, shape and float32
// value bit-exactly, and that the file follows the format: the first 8 bytes give the header length, the header
// is JSON padded to a multiple of 8, and the data section is the values in name order.
func TestSafetensorsRoundTrip(t *testing.T) {
	in := map[string]WeightTensor{
		"b.weight": {Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, 1e-7, -1e30}},
		"a.bias":   {Shape: []int{1}, Data: []float32{float32(math.Pi)}},
	}
	p := filepath.Join(t.TempDir(), "w.safetensors")
	if err := WriteSafetensors(p, in); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 || int(8+n+4*7) != len(b) {
		t.Fatalf("header length %d, file %d bytes: want header multiple of 8 and 8+header+28 bytes", n, len(b))
	}
	if got := math.Float32frombits(binary.LittleEndian.Uint32(b[8+n:])); got != float32(math.Pi) {
		t.Fatalf("first data value %v, want π (a.bias sorts first)", got)
	}
	out, err := ReadSafetensors(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("read %d tensors, wrote %d", len(out), len(in))
	}
	for name, w := range in {
		g := out[name]
		if !equalInts(g.Shape, w.Shape) || len(g.Data) != len(w.Data) {
			t.Fatalf("%s: shape %v, want %v", name, g.Shape, w.Shape)
		}
		for i := range w.Data {
			if g.Data[i] != w.Data[i] {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g.Data[i], w.Data[i])
			}
		}
	}
}

// TestSafetensorsHandWritten checks the reader on bytes assembled here by hand from the format description (an
// F64 tensor, a "__metadata__" entry, unordered offsets), independently of WriteSafetensors: values 0.25, −3 (exact
// in float32) must come back exactly.
func TestSafetensorsHandWritten(t *testing.T) {
	header, _ := json.Marshal(map[string]any{
		"__metadata__": map[string]string{"format": "pt"},
		"y":            map[string]any{"dtype": "F64", "shape": []int{2}, "data_offsets": []int{4, 20}},
		"x":            map[string]any{"dtype": "F32", "shape": []int{}, "data_offsets": []int{0, 4}},
	})
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(7))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(0.25))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(-3))
	p := filepath.Join(t.TempDir(), "h.safetensors")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ts, err := ReadSafetensors(p)
	if err != nil {
		t.Fatal(err)
	}
	if x := ts["x"]; len(x.Shape) != 0 || len(x.Data) != 1 || x.Data[0] != 7 {
		t.Fatalf("x = %+v, want scalar 7", x)
	}
	if y := ts["y"]; !equalInts(y.Shape, []int{2}) || y.Data[0] != 0.25 || y.Data[1] != -3 {
		t.Fatalf("y = %+v, want [0.25 -3]", y)
	}
	if len(ts) != 2 {
		t.Fatalf("%d tensors, want 2 (metadata is not a tensor)", len(ts))
	}
}

// TestSafetensorsErrors checks that a truncated file names the tensor whose data is cut, that a file shorter than
// its header length is refused, and that an unsupported dtype is named.
func TestSafetensorsErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "w.safetensors")
	if err := WriteSafetensors(p, map[string]WeightTensor{"only": {Shape: []int{4}, Data: []float32{1, 2, 3, 4}}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, b[:len(b)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadSafetensors(p)
	wantErrContaining(t, err, "truncated", `"only"`)

	if err := os.WriteFile(p, b[:20], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadSafetensors(p)
	wantErrContaining(t, err, "truncated")

	header := []byte(`{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`)
	bad := append(binary.LittleEndian.AppendUint64(nil, uint64(len(header))), header...)
	if err := os.WriteFile(p, append(bad, 0, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadSafetensors(p)
	wantErrContaining(t, err, `"h"`, "F16")
}

// TestInceptionTensorList checks the expected weight list against a hand count of the FID Inception: 5 stem convs,
// 3 InceptionA × 7, InceptionB 4, 4 InceptionC × 10, InceptionD 6, 2 InceptionE × 9 = 94 convs, 5 tensors each,
// and 21,785,568 parameters (conv weights + BN scale and shift): torchvision documents 27,161,264 for
// inception_v3 with the aux classifier; minus the aux head (conv0 768·128 + 256, conv1 128·768·25 + 1536, fc
// 768·1000 + 1000 = 3,326,696) and minus fc (2048·1000 + 1000 = 2,049,000) leaves 21,785,568.
func TestInceptionTensorList(t *testing.T) {
	if n := len(inceptionConvs()); n != 5+3*7+4+4*10+6+2*9 {
		t.Fatalf("%d convs, want 94", n)
	}
	shapes := inceptionTensorShapes()
	if len(shapes) != 94*5 {
		t.Fatalf("%d tensors, want 470", len(shapes))
	}
	total := 0
	for name, s := range shapes {
		if strings.HasSuffix(name, "running_mean") || strings.HasSuffix(name, "running_var") {
			continue // buffers, not parameters
		}
		n := 1
		for _, d := range s {
			n *= d
		}
		total += n
	}
	if want := 27161264 - 3326696 - 2049000; total != want {
		t.Fatalf("%d parameters, want %d", total, want)
	}
}

// TestInceptionConvMatchesReference checks one conv layer (batch norm folded at load) against a direct float64
// evaluation of PyTorch's BasicConv2d, ReLU(BN(conv(x, W))) with W in [out, in, kh, kw] layout, for a strided,
// asymmetrically padded 3×2 kernel and a 1×1 kernel. Tolerance 1e-5: float32 rounding of sums of ~20 terms of size 1.
func TestInceptionConvMatchesReference(t *testing.T) {
	b := backend.MustNew(nil)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []inceptionConv{
		{name: "L", in: 2, out: 3, kh: 3, kw: 2, stride: 2, ph: 1, pw: 0},
		{name: "L", in: 3, out: 2, kh: 1, kw: 1, stride: 1},
	} {
		ts := map[string]WeightTensor{}
		rnd := func(shape []int, lo, hi float64) WeightTensor {
			w := WeightTensor{Shape: shape}
			w.Data = make([]float32, w.size())
			for i := range w.Data {
				w.Data[i] = float32(lo + (hi-lo)*rng.Float64())
			}
			return w
		}
		ts["L.conv.weight"] = rnd([]int{c.out, c.in, c.kh, c.kw}, -1, 1)
		ts["L.bn.weight"] = rnd([]int{c.out}, 0.5, 1.5)
		ts["L.bn.bias"] = rnd([]int{c.out}, -0.5, 0.5)
		ts["L.bn.running_mean"] = rnd([]int{c.out}, -0.5, 0.5)
		ts["L.bn.running_var"] = rnd([]int{c.out}, 0.5, 1.5)
		const H, W = 5, 4
		x := rnd([]int{1, H, W, c.in}, -1, 1) // NHWC
		w, bias := inceptionFold(c, ts)
		got := tensors.MustCopyFlatData[float32](MustExecOnce(b, func(x, w, bias *Node) *Node {
			return inceptionConvApply(x, w, bias, c)
		}, tensors.FromFlatDataAndDimensions(x.Data, 1, H, W, c.in),
			tensors.FromFlatDataAndDimensions(w, c.kh, c.kw, c.in, c.out),
			tensors.FromFlatDataAndDimensions(bias, c.out)))
		oh, ow := (H+2*c.ph-c.kh)/c.stride+1, (W+2*c.pw-c.kw)/c.stride+1
		if len(got) != oh*ow*c.out {
			t.Fatalf("%d outputs, want %d×%d×%d", len(got), oh, ow, c.out)
		}
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for o := 0; o < c.out; o++ {
					s := 0.0
					for i := 0; i < c.in; i++ {
						for ky := 0; ky < c.kh; ky++ {
							for kx := 0; kx < c.kw; kx++ {
								yy, xx := oy*c.stride-c.ph+ky, ox*c.stride-c.pw+kx
								if yy < 0 || yy >= H || xx < 0 || xx >= W {
									continue
								}
								s += float64(x.Data[(yy*W+xx)*c.in+i]) * float64(ts["L.conv.weight"].Data[((o*c.in+i)*c.kh+ky)*c.kw+kx])
							}
						}
					}
					bn := (s-float64(ts["L.bn.running_mean"].Data[o]))/math.Sqrt(float64(ts["L.bn.running_var"].Data[o])+1e-3)*
						float64(ts["L.bn.weight"].Data[o]) + float64(ts["L.bn.bias"].Data[o])
					want := math.Max(bn, 0)
					if g := float64(got[(oy*ow+ox)*c.out+o]); math.Abs(g-want) > 1e-5 {
						t.Fatalf("kernel %d×%d: out(%d,%d,%d) = %v, want %v", c.kh, c.kw, oy, ox, o, g, want)
					}
				}
			}
		}
	}
}

// TestInceptionPools checks the two padded pools on a 3×3 single-channel image of all-negative values −1..−9
// (row-major): the max pool (stride 1, pad 1) must not see the zero padding (corner (0,0) = max(−1,−2,−4,−5) = −1),
// and the average pool must divide by the cells inside the image only (corner = (−1−2−4−5)/4 = −3, centre = −5,
// edge (0,1) = (−1−2−3−4−5−6)/6 = −3.5). The strided max pool of the stem (stride 2, no pad) gives −1 on this
// image. Exact to float32 rounding (1e-6).
func TestInceptionPools(t *testing.T) {
	b := backend.MustNew(nil)
	img := tensors.FromFlatDataAndDimensions([]float32{-1, -2, -3, -4, -5, -6, -7, -8, -9}, 1, 3, 3, 1)
	outs := MustExecOnceN(b, func(x *Node) []*Node {
		return []*Node{inceptionMaxPool(x, 1, 1), inceptionAvgPool(x), inceptionMaxPool(x, 2, 0)}
	}, img)
	maxP, avgP, stem := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1]), tensors.MustCopyFlatData[float32](outs[2])
	check := func(what string, got, want float32) {
		t.Helper()
		if math.Abs(float64(got-want)) > 1e-6 {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
	check("max corner", maxP[0], -1)
	check("max centre", maxP[4], -1)
	check("max bottom-right", maxP[8], -5)
	check("avg corner", avgP[0], -3)
	check("avg edge", avgP[1], -3.5)
	check("avg centre", avgP[4], -5)
	if len(stem) != 1 {
		t.Fatalf("stem pool has %d outputs, want 1", len(stem))
	}
	check("stem max", stem[0], -1)
}

// TestInceptionResize checks the bilinear resize against PyTorch's interpolate(mode="bilinear",
// align_corners=False) written out here: source coordinate (i+0.5)·in/out − 0.5 clamped at 0, linear weights
// between the two neighbours (the upper one clamped to the edge), for a 4×5 → 7×9 up-sampling of a random image.
// Tolerance 1e-6 (float32).
func TestInceptionResize(t *testing.T) {
	b := backend.MustNew(nil)
	const ih, iw, oh, ow = 4, 5, 7, 9
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, ih*iw)
	for i := range src {
		src[i] = float32(rng.NormFloat64())
	}
	got := tensors.MustCopyFlatData[float32](MustExecOnce(b, func(x *Node) *Node {
		return Interpolate(x, NoInterpolation, oh, ow, NoInterpolation).Bilinear().HalfPixelCenters(true).Done()
	}, tensors.FromFlatDataAndDimensions(src, 1, ih, iw, 1)))
	coord := func(i, in, out int) (int, int, float64) {
		s := math.Max((float64(i)+0.5)*float64(in)/float64(out)-0.5, 0)
		i0 := int(math.Floor(s))
		return i0, min(i0+1, in-1), s - float64(i0)
	}
	for y := 0; y < oh; y++ {
		y0, y1, ly := coord(y, ih, oh)
		for x := 0; x < ow; x++ {
			x0, x1, lx := coord(x, iw, ow)
			v := func(yy, xx int) float64 { return float64(src[yy*iw+xx]) }
			want := (1-ly)*((1-lx)*v(y0, x0)+lx*v(y0, x1)) + ly*((1-lx)*v(y1, x0)+lx*v(y1, x1))
			if g := float64(got[y*ow+x]); math.Abs(g-want) > 1e-6 {
				t.Fatalf("resized (%d,%d) = %v, want %v", y, x, g, want)
			}
		}
	}
}

// TestInceptionFeatures runs the whole network (random weights, resize target 75, the smallest valid input) on
// 32×32 images and checks: n·2048 features; the same input twice gives identical features; an image's features do
// not depend on the other images of its batch (batches of 2, 3 images so the last batch is padded) to 1e-4
// relative (float32 reductions may be reordered); a grey image gives the same features as its RGB replication; bad
// arguments are refused.
func TestInceptionFeatures(t *testing.T) {
	b := backend.MustNew(nil)
	n, err := newInception(b, inceptionRandomTensors(1), 75)
	if err != nil {
		t.Fatal(err)
	}
	n.Batch = 2
	rng := rand.New(rand.NewPCG(5, 6))
	const dim = 3 * 32 * 32
	imgs := make([]float64, 3*dim)
	for i := range imgs {
		imgs[i] = 2*rng.Float64() - 1
	}
	f1, err := n.Features(imgs, 3, 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(f1) != 3*InceptionDim {
		t.Fatalf("%d features, want %d", len(f1), 3*InceptionDim)
	}
	f2, _ := n.Features(imgs, 3, 32, 32)
	for i := range f1 {
		if f1[i] != f2[i] {
			t.Fatalf("feature %d: %v then %v on the same input", i, f1[i], f2[i])
		}
	}
	// Image 2 alone (padded batch) and image 2 with image 0 vs with images 0,1 in the first batch.
	alone, _ := n.Features(imgs[2*dim:], 3, 32, 32)
	swapped := append(append([]float64{}, imgs[2*dim:]...), imgs[:dim]...)
	first, _ := n.Features(swapped, 3, 32, 32)
	scale := 0.0
	for _, v := range f1[2*InceptionDim:] {
		scale = math.Max(scale, math.Abs(v))
	}
	if scale == 0 {
		t.Fatal("features of image 2 are all zero")
	}
	for i := 0; i < InceptionDim; i++ {
		ref := f1[2*InceptionDim+i]
		if math.Abs(alone[i]-ref) > 1e-4*scale || math.Abs(first[i]-ref) > 1e-4*scale {
			t.Fatalf("feature %d of image 2: %v (batch with 1 padding), %v (first in batch), %v (last, padded)", i, ref, first[i], alone[i])
		}
	}
	grey := imgs[:32*32]
	rgb := append(append(append([]float64{}, grey...), grey...), grey...)
	fg, err := n.Features(grey, 1, 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	fr, _ := n.Features(rgb, 3, 32, 32)
	for i := range fg {
		if math.Abs(fg[i]-fr[i]) > 1e-4*scale {
			t.Fatalf("grey feature %d = %v, RGB replication %v", i, fg[i], fr[i])
		}
	}
	_, err = n.Features(imgs, 2, 32, 32)
	wantErrContaining(t, err, "1 or 3 channels")
	_, err = n.Features(imgs[:100], 3, 32, 32)
	wantErrContaining(t, err, "whole number")
}

// TestLoadInceptionErrors checks that a missing file, a file lacking one tensor and a file with one wrong-shaped
// tensor are refused with errors naming the file's remedy or the tensor, and that a complete random file loads.
func TestLoadInceptionErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("writes three 87 MB weight files")
	}
	b := backend.MustNew(nil)
	dir := t.TempDir()
	_, err := LoadInception(b, filepath.Join(dir, "none.safetensors"))
	wantErrContaining(t, err, "does not exist", "convert_inception.py", "pt_inception-2015-12-05")

	ts := inceptionRandomTensors(2)
	ok := filepath.Join(dir, "ok.safetensors")
	if err := WriteSafetensors(ok, ts); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadInception(b, ok); err != nil {
		t.Fatalf("complete file: %v", err)
	}
	missing := filepath.Join(dir, "missing.safetensors")
	saved := ts["Mixed_6c.branch7x7dbl_3.bn.running_var"]
	delete(ts, "Mixed_6c.branch7x7dbl_3.bn.running_var")
	if err := WriteSafetensors(missing, ts); err != nil {
		t.Fatal(err)
	}
	_, err = LoadInception(b, missing)
	wantErrContaining(t, err, `"Mixed_6c.branch7x7dbl_3.bn.running_var"`, "lacks")

	ts["Mixed_6c.branch7x7dbl_3.bn.running_var"] = saved
	ts["Conv2d_2b_3x3.conv.weight"] = WeightTensor{Shape: []int{64, 32, 3, 1}, Data: make([]float32, 64*32*3)}
	shaped := filepath.Join(dir, "shape.safetensors")
	if err := WriteSafetensors(shaped, ts); err != nil {
		t.Fatal(err)
	}
	_, err = LoadInception(b, shaped)
	wantErrContaining(t, err, `"Conv2d_2b_3x3.conv.weight"`, "[64 32 3 1]", "[64 32 3 3]")
}

// TestConverterNames runs experiments/fid/convert_inception.py --selftest (it builds a fake pytorch-fid state dict
// from the converter's own layer table, with extra fc/num_batches_tracked entries, and converts it) and checks
// that the file it writes holds exactly the 470 tensors, with the shapes, that the Go network expects: the
// converter covers every name. Skipped when python3 with torch is absent.
func TestConverterNames(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if err := exec.Command(py, "-c", "import torch").Run(); err != nil {
		t.Skip("python3 has no torch")
	}
	out := filepath.Join(t.TempDir(), "fake.safetensors")
	cmd := exec.Command(py, "../../experiments/fid/convert_inception.py", "--selftest", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("converter self-test: %v\n%s", err, msg)
	}
	ts, err := ReadSafetensors(out)
	if err != nil {
		t.Fatal(err)
	}
	want := inceptionTensorShapes()
	for name, shape := range want {
		got, ok := ts[name]
		if !ok {
			t.Fatalf("converter does not write %q", name)
		}
		if !equalInts(got.Shape, shape) {
			t.Fatalf("converter writes %q with shape %v, want %v", name, got.Shape, shape)
		}
	}
	for name := range ts {
		if _, ok := want[name]; !ok {
			t.Fatalf("converter writes unexpected tensor %q", name)
		}
	}
}

// TestInceptionTime299 measures the first full-size forward pass (batch 1, 32×32 input resized to 299×299) with random
// weights on this backend; it checks only that 2048 finite features come out.
func TestInceptionTime299(t *testing.T) {
	if testing.Short() {
		t.Skip("timing only")
	}
	b := backend.MustNew(nil)
	n, err := RandomInception(b, 3)
	if err != nil {
		t.Fatal(err)
	}
	n.Batch = 1
	img := make([]float64, 3*32*32)
	for i := range img {
		img[i] = math.Sin(float64(i))
	}
	start := time.Now()
	f, err := n.Features(img, 3, 32, 32)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range f {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("feature %d = %v", i, v)
		}
	}
	t.Logf("Inception 299×299 batch 1: first call (graph build + compile + run) %v", elapsed)
}
