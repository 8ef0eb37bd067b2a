package fid

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// The weight files of this package use the safetensors format (github.com/huggingface/safetensors):
//
//	8 bytes   N, the header length, unsigned little-endian
//	N bytes   JSON header {"name": {"dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end]}, …}
//	          (an optional "__metadata__" entry maps strings to strings; trailing spaces pad the header)
//	rest      the data section; tensor "name" is bytes [begin, end) of it, row-major, little-endian
//
// ReadSafetensors accepts dtypes F32 and F64 (F64 is narrowed to float32); WriteSafetensors writes F32.

// WeightTensor is one named tensor of a weight file: row-major float32 values of the given shape.
type WeightTensor struct {
	Shape []int
	Data  []float32
}

// size is the number of values the shape holds.
func (t WeightTensor) size() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// safetensorsEntry is one header entry.
type safetensorsEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// ReadSafetensors reads every tensor of a safetensors file. It reports, naming the tensor where there is one: a
// file too short for its header, a header that is not JSON, an unsupported dtype, a negative dimension, offsets
// that do not match the shape, and data past the end of the file (a truncated download).
func ReadSafetensors(path string) (map[string]WeightTensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fid: reading weight file: %w", err)
	}
	if len(b) < 8 {
		return nil, fmt.Errorf("fid: %s is not a safetensors file: %d bytes, shorter than the 8-byte header length", path, len(b))
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if n > uint64(len(b)-8) {
		return nil, fmt.Errorf("fid: %s is truncated or not a safetensors file: header of %d bytes, but only %d bytes follow", path, n, len(b)-8)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("fid: %s has a malformed safetensors header: %v", path, err)
	}
	data := b[8+n:]
	out := make(map[string]WeightTensor, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var e safetensorsEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("fid: %s: header entry of tensor %q is malformed: %v", path, name, err)
		}
		t := WeightTensor{Shape: e.Shape}
		for _, d := range e.Shape {
			if d < 0 {
				return nil, fmt.Errorf("fid: %s: tensor %q has negative dimension in shape %v", path, name, e.Shape)
			}
		}
		var width int64
		switch e.DType {
		case "F32":
			width = 4
		case "F64":
			width = 8
		default:
			return nil, fmt.Errorf("fid: %s: tensor %q has dtype %q; only F32 and F64 are supported (convert with experiments/fid/convert_inception.py)", path, name, e.DType)
		}
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if want := int64(t.size()) * width; begin < 0 || end-begin != want {
			return nil, fmt.Errorf("fid: %s: tensor %q has data_offsets [%d, %d] (%d bytes) but shape %v of %s needs %d bytes",
				path, name, begin, end, end-begin, e.Shape, e.DType, want)
		}
		if end > int64(len(data)) {
			return nil, fmt.Errorf("fid: %s is truncated: tensor %q needs data bytes [%d, %d) but the data section has %d bytes; download or convert it again",
				path, name, begin, end, len(data))
		}
		raw := data[begin:end]
		t.Data = make([]float32, t.size())
		for i := range t.Data {
			if width == 4 {
				t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			} else {
				t.Data[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
			}
		}
		out[name] = t
	}
	return out, nil
}

// WriteSafetensors writes tensors as a safetensors file of F32 tensors, in name order, the header padded with
// spaces to a multiple of 8 bytes. It refuses a tensor whose data length does not match its shape.
func WriteSafetensors(path string, tensors map[string]WeightTensor) error {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		names = append(names, name)
	}
	sort.Strings(names)
	header := make(map[string]safetensorsEntry, len(names))
	var offset int64
	for _, name := range names {
		t := tensors[name]
		if len(t.Data) != t.size() {
			return fmt.Errorf("fid: tensor %q has %d values but shape %v", name, len(t.Data), t.Shape)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[name] = safetensorsEntry{DType: "F32", Shape: shape, DataOffsets: [2]int64{offset, offset + 4*int64(len(t.Data))}}
		offset += 4 * int64(len(t.Data))
	}
	h, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	buf := make([]byte, 8, 8+len(h)+int(offset))
	binary.LittleEndian.PutUint64(buf, uint64(len(h)))
	buf = append(buf, h...)
	for _, name := range names {
		for _, v := range tensors[name].Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	return os.WriteFile(path, buf, 0o644)
}
