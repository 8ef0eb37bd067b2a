package runlog

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "metrics.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"step": 1, "loss": 0.5}
	if err := l.Write(in); err != nil {
		t.Fatal(err)
	}
	if _, ok := in["time"]; ok {
		t.Error("Write modified the caller's map")
	}
	if err := l.Write(map[string]any{"step": 2, "loss": math.NaN(), "v": []float64{1, math.Inf(-1)}, "time": "fixed"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := l.Write(in); err == nil {
		t.Error("Write after Close should fail")
	}
	// Reopen and append.
	l, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Write(map[string]any{"step": 3, "note": "ok"}); err != nil {
		t.Fatal(err)
	}
	l.Close()

	recs, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	if recs[0]["step"] != 1.0 || recs[0]["loss"] != 0.5 || recs[2]["note"] != "ok" {
		t.Errorf("records: %v", recs)
	}
	ts, _ := recs[0]["time"].(string)
	if _, err := time.Parse(time.RFC3339, ts); err != nil {
		t.Errorf("time %q is not RFC 3339: %v", ts, err)
	}
	if recs[1]["time"] != "fixed" || recs[1]["loss"] != "NaN" {
		t.Errorf("record 2: %v", recs[1])
	}
	if v, _ := recs[1]["v"].([]any); len(v) != 2 || v[1] != "-Inf" {
		t.Errorf("record 2 v: %v", recs[1]["v"])
	}
}

func TestTruncatedLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	content := `{"step":1}` + "\n" + `{"step":2}` + "\n" + `{"step":3,"lo`
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := Read(path)
	if err != nil || len(recs) != 2 {
		t.Fatalf("Read = %d records, %v; want 2, nil", len(recs), err)
	}
	// Reopening cuts the partial line so new records stay readable.
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Write(map[string]any{"step": 4}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	recs, err = Read(path)
	if err != nil || len(recs) != 3 || recs[2]["step"] != 4.0 {
		t.Fatalf("after reopen: %v, %v", recs, err)
	}

	// A complete final object lacking only its newline is kept on reopen.
	os.WriteFile(path, []byte(`{"step":1}`+"\n"+`{"step":2}`), 0o644)
	l, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	l.Write(map[string]any{"step": 3})
	l.Close()
	if recs, err = Read(path); err != nil || len(recs) != 3 {
		t.Fatalf("complete tail: %v, %v", recs, err)
	}
}

func TestCorruptMiddle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.jsonl")
	content := `{"step":1}` + "\n\n" + `{"step":2` + "\n" + `{"step":3}` + "\n"
	os.WriteFile(path, []byte(content), 0o644)
	_, err := Read(path)
	if err == nil || !strings.Contains(err.Error(), ":3:") {
		t.Fatalf("want error naming line 3, got %v", err)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("want error for missing file")
	}
}

func TestWriteJSONAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	path := filepath.Join(dir, "summary.json")
	for i := range 2 { // second call overwrites
		if err := WriteJSONAtomic(path, map[string]any{"fid": 1.5, "i": i}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"fid\": 1.5,\n  \"i\": 1\n}\n"; string(b) != want {
		t.Errorf("content %q, want %q", b, want)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("dir has %d entries, want only summary.json: %v", len(ents), ents)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	// Unencodable value: error, old file untouched, no temp file left.
	if err := WriteJSONAtomic(path, math.NaN()); err == nil {
		t.Error("want error for NaN")
	}
	if err := WriteJSONAtomic(path, make(chan int)); err == nil {
		t.Error("want error for chan")
	}
	b2, _ := os.ReadFile(path)
	ents, _ = os.ReadDir(dir)
	if string(b2) != string(b) || len(ents) != 1 {
		t.Errorf("failed write changed the directory")
	}
	// Rename fails (target is a non-empty directory): temp file removed.
	os.MkdirAll(filepath.Join(dir, "sub", "x"), 0o755)
	if err := WriteJSONAtomic(filepath.Join(dir, "sub"), 1); err == nil {
		t.Error("want error renaming over a directory")
	}
	ents, _ = os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}
