package fid

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
)

// LeNet architecture of the MNIST feature network (MNISTNetwork). Images are 28×28×1 in [−1, 1]:
//
//	conv1 5×5, 1→16, zero "same" padding, + bias, ReLU, 2×2 max-pool  → 14×14×16
//	conv2 5×5, 16→32, same, + bias, ReLU, 2×2 max-pool                 →  7×7×32
//	fc1   1568→64, + bias, ReLU                                         →  64 features (FeatureDim)
//	fc2   64→10, + bias                                                 →  10 logits
//
// 115k parameters. The convolutions are written as im2col (25 static slices of the padded input, concatenated on
// the channel axis) followed by one MatMul, because the pure-Go backend's Convolve is a scalar loop; conv weights
// are stored as [25·Cin, Cout] with row (dy·5 + dx)·Cin + c, i.e. a [5, 5, Cin, Cout] kernel flattened.
const (
	lenetC1      = 16
	lenetC2      = 32
	lenetFeature = 64
	lenetKernel  = 5
	mnistClasses = 10
)

// lenetParam names one weight tensor and its shape.
type lenetParam struct {
	Name string
	Dims []int
}

// lenetParams lists the network's weights in file order.
var lenetParams = []lenetParam{
	{"conv1/w", []int{lenetKernel * lenetKernel * 1, lenetC1}},
	{"conv1/b", []int{lenetC1}},
	{"conv2/w", []int{lenetKernel * lenetKernel * lenetC1, lenetC2}},
	{"conv2/b", []int{lenetC2}},
	{"fc1/w", []int{7 * 7 * lenetC2, lenetFeature}},
	{"fc1/b", []int{lenetFeature}},
	{"fc2/w", []int{lenetFeature, mnistClasses}},
	{"fc2/b", []int{mnistClasses}},
}

// lenetForward evaluates the network on x [B, 784] (pixels in [−1, 1]) with weights from param (a name of
// lenetParams → node of that shape) and returns the features [B, 64] (fc1 after ReLU) and the logits [B, 10].
// dropout, if not nil, is applied to the features before fc2 (training only).
func lenetForward(x *Node, param func(name string) *Node, dropout func(*Node) *Node) (features, logits *Node) {
	b := x.Shape().Dimensions[0]
	h := Reshape(x, b, 28, 28, 1)
	h = maxPool2(relu(conv5Same(h, param("conv1/w"), param("conv1/b"))))
	h = maxPool2(relu(conv5Same(h, param("conv2/w"), param("conv2/b"))))
	h = Reshape(h, b, 7*7*lenetC2)
	features = relu(dense(h, param("fc1/w"), param("fc1/b")))
	f := features
	if dropout != nil {
		f = dropout(f)
	}
	return features, dense(f, param("fc2/w"), param("fc2/b"))
}

// conv5Same is a 5×5 stride-1 convolution with zero "same" padding: x [B, H, W, C], w [25·C, O], bias [O] →
// [B, H, W, O] (cross-correlation, like Convolve with a [5, 5, C, O] kernel). It is im2col in two stages — 5
// column shifts concatenated on the channel axis ([B, H+4, W, 5C]), then 5 row shifts of that ([B, H, W, 25C]) —
// and one MatMul: on the pure-Go backend this is ~10× faster than Convolve and ~2× faster than 25 single slices.
func conv5Same(x, w, bias *Node) *Node {
	d := x.Shape().Dimensions
	n, hh, ww, c := d[0], d[1], d[2], d[3]
	o := w.Shape().Dimensions[1]
	const k, r = lenetKernel, lenetKernel / 2
	xp := Pad(x, ScalarZero(x.Graph(), x.DType()),
		compute.PadAxis{}, compute.PadAxis{Start: r, End: r}, compute.PadAxis{Start: r, End: r}, compute.PadAxis{})
	cols := make([]*Node, k)
	for dx := range cols {
		cols[dx] = Slice(xp, AxisRange(), AxisRange(), AxisRange(dx, dx+ww), AxisRange())
	}
	byCol := Concatenate(cols, -1) // [B, H+4, W, 5C], channel (dx·C + c)
	rows := make([]*Node, k)
	for dy := range rows {
		rows[dy] = Slice(byCol, AxisRange(), AxisRange(dy, dy+hh), AxisRange(), AxisRange())
	}
	p := Reshape(Concatenate(rows, -1), n*hh*ww, k*k*c) // channel (dy·5 + dx)·C + c
	y := Add(MatMul(p, w), ExpandAxes(bias, 0))
	return Reshape(y, n, hh, ww, o)
}

// dense is x [B, in] · w [in, out] + bias [out].
func dense(x, w, bias *Node) *Node { return Add(MatMul(x, w), ExpandAxes(bias, 0)) }

func relu(x *Node) *Node { return Max(x, ScalarZero(x.Graph(), x.DType())) }

// maxPool2 is a 2×2 stride-2 max-pool of [B, H, W, C] (H, W even), as a reshape + ReduceMax (on the pure-Go
// backend ~20× faster than MaxPool with its gradient).
func maxPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	return ReduceMax(Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
}

// Weights file format ("lenet_mnist.bin"), all integers little-endian:
//
//	magic    [8]byte  "CMTLENET"
//	version  uint32   1
//	network  uint16 length + UTF-8 bytes (MNISTNetwork)
//	count    uint32   number of tensors
//	count × { name: uint16 length + bytes; rank: uint8; dims: rank × uint32; values: ∏dims × float32 (IEEE 754) }
//	crc      uint32   CRC-32 (IEEE) of every byte before it
//
// The tensors must be exactly lenetParams, in order.
const (
	weightsMagic   = "CMTLENET"
	weightsVersion = 1
)

// encodeWeights writes the weights (name → row-major values of lenetParams' shapes) in the format above.
func encodeWeights(network string, w map[string][]float32) ([]byte, error) {
	var buf bytes.Buffer
	le := binary.LittleEndian
	buf.WriteString(weightsMagic)
	_ = binary.Write(&buf, le, uint32(weightsVersion))
	writeString(&buf, network)
	_ = binary.Write(&buf, le, uint32(len(lenetParams)))
	for _, p := range lenetParams {
		v, ok := w[p.Name]
		if !ok || len(v) != numElems(p.Dims) {
			return nil, fmt.Errorf("fid: weights %q: have %d values, want %d (shape %v)", p.Name, len(v), numElems(p.Dims), p.Dims)
		}
		writeString(&buf, p.Name)
		buf.WriteByte(byte(len(p.Dims)))
		for _, d := range p.Dims {
			_ = binary.Write(&buf, le, uint32(d))
		}
		_ = binary.Write(&buf, le, v)
	}
	_ = binary.Write(&buf, le, crc32.ChecksumIEEE(buf.Bytes()))
	return buf.Bytes(), nil
}

// decodeWeights reads and verifies a weights file: checksum, magic, version, network name and every tensor's
// name and shape against lenetParams; values must be finite.
func decodeWeights(b []byte, network string) (map[string][]float32, error) {
	const fix = "the weights file is damaged: restore lib/fid/lenet_mnist.bin from git, or retrain with `go run ./experiments/lenet`"
	if len(b) < len(weightsMagic)+8 {
		return nil, fmt.Errorf("fid: weights file has %d bytes, too short; %s", len(b), fix)
	}
	body, tail := b[:len(b)-4], b[len(b)-4:]
	if got, want := crc32.ChecksumIEEE(body), binary.LittleEndian.Uint32(tail); got != want {
		return nil, fmt.Errorf("fid: weights checksum %08x, file says %08x; %s", got, want, fix)
	}
	r := bytes.NewReader(body)
	magic := make([]byte, len(weightsMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != weightsMagic {
		return nil, fmt.Errorf("fid: not a LeNet weights file (magic %q); %s", magic, fix)
	}
	var version, count uint32
	if err := binary.Read(r, binary.LittleEndian, &version); err != nil || version != weightsVersion {
		return nil, fmt.Errorf("fid: weights file version %d, this code reads version %d; %s", version, weightsVersion, fix)
	}
	name, err := readString(r)
	if err != nil || name != network {
		return nil, fmt.Errorf("fid: weights are for network %q, want %q; %s", name, network, fix)
	}
	if err := binary.Read(r, binary.LittleEndian, &count); err != nil || int(count) != len(lenetParams) {
		return nil, fmt.Errorf("fid: weights file holds %d tensors, want %d; %s", count, len(lenetParams), fix)
	}
	out := make(map[string][]float32, len(lenetParams))
	for _, p := range lenetParams {
		name, err := readString(r)
		if err != nil || name != p.Name {
			return nil, fmt.Errorf("fid: weights tensor %q where %q was expected; %s", name, p.Name, fix)
		}
		rank, err := r.ReadByte()
		if err != nil || int(rank) != len(p.Dims) {
			return nil, fmt.Errorf("fid: weights %q has rank %d, want %d; %s", p.Name, rank, len(p.Dims), fix)
		}
		for i := range p.Dims {
			var d uint32
			if err := binary.Read(r, binary.LittleEndian, &d); err != nil || int(d) != p.Dims[i] {
				return nil, fmt.Errorf("fid: weights %q axis %d is %d, want %d; %s", p.Name, i, d, p.Dims[i], fix)
			}
		}
		v := make([]float32, numElems(p.Dims))
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			return nil, fmt.Errorf("fid: weights %q truncated (%v); %s", p.Name, err, fix)
		}
		for _, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("fid: weights %q hold a non-finite value; %s", p.Name, fix)
			}
		}
		out[p.Name] = v
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("fid: %d unexpected bytes after the last weights tensor; %s", r.Len(), fix)
	}
	return out, nil
}

func writeString(buf *bytes.Buffer, s string) {
	_ = binary.Write(buf, binary.LittleEndian, uint16(len(s)))
	buf.WriteString(s)
}

func readString(r *bytes.Reader) (string, error) {
	var n uint16
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return "", err
	}
	if int(n) > r.Len() {
		return "", errors.New("string runs past the end")
	}
	s := make([]byte, n)
	_, err := io.ReadFull(r, s)
	return string(s), err
}

func numElems(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// f32 is the dtype of every weight and activation.
var f32 = dtypes.Float32
