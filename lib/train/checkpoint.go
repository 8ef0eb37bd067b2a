package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Checkpoint file layout (one file per stage, replaced atomically):
//
//	"CMTCKPT1" | uint32 header length | header JSON | variable bytes
//
// The header lists every variable of the Store (path, dtype, dims, trainable, byte range), a CRC-32 of the
// variable bytes, and Extra: the stage's own JSON state (for example its evaluation curve so far). A save writes a
// temporary file, fsyncs it and renames it over the old one, so a crash mid-save never destroys the last good
// checkpoint (GoMLX's own checkpoint package writes in place).
const ckptMagic = "CMTCKPT1"

type ckptVar struct {
	Path      string `json:"path"`
	DType     int    `json:"dtype"`
	Dims      []int  `json:"dims"`
	Trainable bool   `json:"trainable"`
	Offset    int64  `json:"offset"`
	Size      int64  `json:"size"`
}

type ckptHeader struct {
	Step   int             `json:"step"`
	Config string          `json:"config,omitempty"` // the stage's settings fingerprint (JSON object)
	Vars   []ckptVar       `json:"vars"`
	CRC32  uint32          `json:"crc32"`
	Extra  json.RawMessage `json:"extra,omitempty"`
}

// ErrCorrupt marks a checkpoint that cannot be read back.
var ErrCorrupt = errors.New("corrupt checkpoint")

// SaveCheckpoint writes all variables of store, the step and extra (any JSON-marshalable value, may be nil) to
// path atomically.
func SaveCheckpoint(path string, store *model.Store, step int, extra any) error {
	return SaveCheckpointWithConfig(path, store, step, "", extra)
}

// SaveCheckpointWithConfig is SaveCheckpoint recording config, the settings the stage ran with (a JSON object),
// so that a rerun with other settings refuses to resume from it (see ReadCheckpointConfig).
func SaveCheckpointWithConfig(path string, store *model.Store, step int, config string, extra any) error {
	var data bytes.Buffer
	h := ckptHeader{Step: step, Config: config}
	for v := range store.IterVariables() {
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("checkpoint: reading %s: %w", v.Path(), err)
		}
		var raw []byte
		if err := t.ConstBytes(func(b []byte) { raw = append([]byte(nil), b...) }); err != nil {
			return fmt.Errorf("checkpoint: bytes of %s: %w", v.Path(), err)
		}
		h.Vars = append(h.Vars, ckptVar{Path: v.Path(), DType: int(t.Shape().DType), Dims: t.Shape().Dimensions,
			Trainable: v.Trainable, Offset: int64(data.Len()), Size: int64(len(raw))})
		data.Write(raw)
	}
	h.CRC32 = crc32.ChecksumIEEE(data.Bytes())
	if extra != nil {
		b, err := json.Marshal(extra)
		if err != nil {
			return fmt.Errorf("checkpoint: extra state: %w", err)
		}
		h.Extra = b
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ckpt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	var lenBuf [4]byte
	binary.LittleEndian.PutUint32(lenBuf[:], uint32(len(hb)))
	for _, part := range [][]byte{[]byte(ckptMagic), lenBuf[:], hb, data.Bytes()} {
		if _, err := tmp.Write(part); err != nil {
			tmp.Close()
			return fmt.Errorf("checkpoint: writing %s: %w", path, err)
		}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadCheckpoint reads path into store: existing variables get the saved values, missing ones are created with
// the saved trainable flag. It returns the saved step and the raw Extra JSON. A missing file returns an error
// satisfying errors.Is(err, os.ErrNotExist); an unreadable one wraps ErrCorrupt and names the file.
func LoadCheckpoint(path string, store *model.Store) (step int, extra json.RawMessage, err error) {
	f, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	corrupt := func(why string) error {
		return fmt.Errorf("%w %s (%s): move or delete it to restart this stage from its beginning", ErrCorrupt, path, why)
	}
	if len(f) < len(ckptMagic)+4 || string(f[:len(ckptMagic)]) != ckptMagic {
		return 0, nil, corrupt("not a checkpoint of this project")
	}
	hlen := int(binary.LittleEndian.Uint32(f[len(ckptMagic):]))
	start := len(ckptMagic) + 4
	if start+hlen > len(f) {
		return 0, nil, corrupt("truncated header")
	}
	var h ckptHeader
	if err := json.Unmarshal(f[start:start+hlen], &h); err != nil {
		return 0, nil, corrupt("bad header: " + err.Error())
	}
	data := f[start+hlen:]
	if crc32.ChecksumIEEE(data) != h.CRC32 {
		return 0, nil, corrupt("checksum mismatch: truncated or damaged data")
	}
	for _, cv := range h.Vars {
		if cv.Offset < 0 || cv.Offset+cv.Size > int64(len(data)) {
			return 0, nil, corrupt("variable " + cv.Path + " out of range")
		}
		t := tensors.FromShape(shapes.Make(dtypes.DType(cv.DType), cv.Dims...))
		if t.Shape().ByteSize() != cv.Size {
			return 0, nil, corrupt("variable " + cv.Path + " has the wrong size")
		}
		if err := t.MutableBytes(func(b []byte) { copy(b, data[cv.Offset:cv.Offset+cv.Size]) }); err != nil {
			return 0, nil, err
		}
		if v := store.GetVariable(cv.Path); v != nil {
			if err := v.SetValue(t); err != nil {
				return 0, nil, fmt.Errorf("checkpoint %s: variable %s: %w (was the network configuration changed since it was saved?)", path, cv.Path, err)
			}
		} else {
			v, err := store.CreateVariable(cv.Path, t)
			if err != nil {
				return 0, nil, err
			}
			v.SetTrainable(cv.Trainable)
		}
	}
	return h.Step, h.Extra, nil
}

// ReadCheckpointStep returns the step stored in a checkpoint without loading its variables.
func ReadCheckpointStep(path string) (int, error) {
	h, err := readHeader(path)
	return h.Step, err
}

// ReadCheckpointConfig returns the settings fingerprint stored in a checkpoint ("" for checkpoints without one).
func ReadCheckpointConfig(path string) (string, error) {
	h, err := readHeader(path)
	return h.Config, err
}

func readHeader(path string) (ckptHeader, error) {
	var h ckptHeader
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	head := make([]byte, len(ckptMagic)+4)
	if _, err := io.ReadFull(f, head); err != nil || string(head[:len(ckptMagic)]) != ckptMagic {
		return h, fmt.Errorf("%w %s", ErrCorrupt, path)
	}
	hb := make([]byte, binary.LittleEndian.Uint32(head[len(ckptMagic):]))
	if _, err := io.ReadFull(f, hb); err != nil {
		return h, fmt.Errorf("%w %s", ErrCorrupt, path)
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return h, fmt.Errorf("%w %s", ErrCorrupt, path)
	}
	return h, nil
}

// ConfigDiff lists the keys whose values differ between two settings fingerprints (JSON objects), as
// "key: old → new"; nil when they agree or either is empty.
func ConfigDiff(old, cur string) []string {
	if old == "" || cur == "" || old == cur {
		return nil
	}
	var a, b map[string]any
	if json.Unmarshal([]byte(old), &a) != nil || json.Unmarshal([]byte(cur), &b) != nil {
		return []string{"settings unreadable"}
	}
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diff []string
	for k := range keys {
		if fmt.Sprint(a[k]) != fmt.Sprint(b[k]) {
			diff = append(diff, fmt.Sprintf("%s: %v → %v", k, a[k], b[k]))
		}
	}
	sort.Strings(diff)
	return diff
}
