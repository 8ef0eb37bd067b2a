// Package runlog is an append-only JSON-lines metrics log plus an atomic
// JSON file writer for results such as summary.json.
//
// Each [Log.Write] issues a single write(2) of one complete line on a file
// opened with O_APPEND, so a process killed with SIGKILL loses at most the
// line in progress; [Read] tolerates such a truncated final line. Lines are
// not fsynced individually (that would be slow); a machine crash may lose
// the last lines the kernel had not written back yet.
package runlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// TimeFormat is the layout of the "time" field added by Write: RFC 3339
// with milliseconds and the local zone offset.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Log is an open JSON-lines log. Its methods are safe for concurrent use.
type Log struct {
	mu    sync.Mutex
	f     *os.File
	path  string
	nowFn func() time.Time
}

// Open opens path for appending, creating it and its parent directories if
// needed. If the file ends in a partial line left by a crash, that line is
// completed with a newline when it is a valid JSON object and cut off
// otherwise, so new records never glue onto garbage.
func Open(path string) (*Log, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("runlog: %w", err)
		}
	}
	if err := repairTail(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	return &Log{f: f, path: path, nowFn: time.Now}, nil
}

// repairTail fixes a final line without a trailing newline (see Open).
func repairTail(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	size := fi.Size()
	if size == 0 {
		return nil
	}
	// Scan backwards in chunks for the last newline.
	const chunk = 64 << 10
	var tail []byte
	end := size
	lastNL := int64(-1)
	for end > 0 && lastNL < 0 {
		start := max(end-chunk, 0)
		buf := make([]byte, end-start)
		if _, err := f.ReadAt(buf, start); err != nil && err != io.EOF {
			return fmt.Errorf("runlog: %w", err)
		}
		if end == size && len(buf) > 0 && buf[len(buf)-1] == '\n' {
			return nil // Already ends with a newline.
		}
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			lastNL = start + int64(i)
			tail = append(buf[i+1:], tail...)
		} else {
			tail = append(buf, tail...)
		}
		end = start
	}
	if validObject(tail) {
		if _, err := f.WriteAt([]byte{'\n'}, size); err != nil {
			return fmt.Errorf("runlog: %w", err)
		}
		return nil
	}
	if err := f.Truncate(lastNL + 1); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	return nil
}

// validObject reports whether line is one JSON object.
func validObject(line []byte) bool {
	var m map[string]any
	return json.Unmarshal(line, &m) == nil && m != nil
}

// Path returns the path the log was opened with.
func (l *Log) Path() string { return l.path }

// Write appends rec as one JSON object on one line. A "time" field (see
// [TimeFormat]) is added if rec has none; rec itself is not modified.
// Top-level float values (float64, float32 and slices of them) that are NaN
// or ±Inf, which JSON cannot represent, are written as the strings "NaN",
// "+Inf" and "-Inf" so that a diverging run can still be logged.
func (l *Log) Write(rec map[string]any) error {
	out := make(map[string]any, len(rec)+1)
	for k, v := range rec {
		out[k] = sanitize(v)
	}
	if _, ok := out["time"]; !ok {
		out["time"] = l.nowFn().Format(TimeFormat)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("runlog: encoding record: %w", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("runlog: write to closed log %s", l.path)
	}
	if _, err := l.f.Write(b); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	return nil
}

// sanitize replaces non-finite floats by strings (see Write).
func sanitize(v any) any {
	switch x := v.(type) {
	case float64:
		return floatValue(x)
	case float32:
		return floatValue(float64(x))
	case []float64:
		if !allFinite(x) {
			o := make([]any, len(x))
			for i, f := range x {
				o[i] = floatValue(f)
			}
			return o
		}
	case []float32:
		o := make([]any, len(x))
		for i, f := range x {
			o[i] = floatValue(float64(f))
		}
		return o
	}
	return v
}

func allFinite(x []float64) bool {
	for _, f := range x {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

func floatValue(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return f
}

// Sync flushes the file to stable storage (fsync). Write does not do this.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	return l.f.Sync()
}

// Close syncs and closes the log. Closing twice is a no-op.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Sync()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	return nil
}

// Read returns all records of a JSON-lines log, in order. Numbers decode as
// float64. Blank lines are skipped. An invalid final line (a write cut off
// by a crash) is silently dropped; an invalid line anywhere else is an error
// naming its 1-based line number.
func Read(path string) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("runlog: %w", err)
	}
	raw := bytes.Split(data, []byte{'\n'})
	// Index of the last non-blank line.
	last := -1
	for i := len(raw) - 1; i >= 0; i-- {
		if len(bytes.TrimSpace(raw[i])) > 0 {
			last = i
			break
		}
	}
	var recs []map[string]any
	for i, line := range raw {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m map[string]any
		err := json.Unmarshal(line, &m)
		if err == nil && m == nil {
			err = errors.New("not a JSON object")
		}
		if err != nil {
			if i == last {
				break // Truncated final line.
			}
			return recs, fmt.Errorf("runlog: %s:%d: corrupt line: %w", path, i+1, err)
		}
		recs = append(recs, m)
	}
	return recs, nil
}

// WriteJSONAtomic writes v as indented JSON to path, atomically: it writes a
// temporary file in the same directory, fsyncs it, renames it over path and
// fsyncs the directory, so readers see either the old or the new content,
// never a half-written file. Parent directories are created. The file mode
// is 0644.
func WriteJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("runlog: encoding %s: %w", path, err)
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// WriteJSONLinesAtomic writes one compact JSON object per line (JSON lines), atomically as WriteFileAtomic.
func WriteJSONLinesAtomic(path string, lines []any) error {
	var b []byte
	for _, v := range lines {
		l, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("runlog: encoding %s: %w", path, err)
		}
		b = append(append(b, l...), '\n')
	}
	return WriteFileAtomic(path, b)
}

// WriteFileAtomic writes b to path through a temporary file that is fsynced and renamed over path, so readers
// see the old or the new content, never a half-written file. Parent directories are created; the mode is 0644.
func WriteFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(b); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("runlog: %w", err)
	}
	ok = true
	// Persist the rename; best effort (not all systems allow syncing a dir).
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
