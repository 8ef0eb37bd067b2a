package backend

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// The default (no GOMLX_BACKEND) must be the pure-Go backend, announced in one line, with no download attempted.
func TestDefaultIsGo(t *testing.T) {
	t.Setenv(EnvVar, "")
	var buf bytes.Buffer
	b, err := New(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	want := fmt.Sprintf("go:num_executors=%d", min(8, runtime.GOMAXPROCS(0)))
	if Config() != want {
		t.Fatalf("Config() = %q, want %q", Config(), want)
	}
	line := buf.String()
	if !strings.HasPrefix(line, "backend: ") || !strings.Contains(line, "("+want+")") {
		t.Fatalf("announcement %q does not name the go backend", line)
	}
	if !SIMD {
		t.Log("note: this test binary was built without GOEXPERIMENT=simd")
	}
}

// An unknown backend name is an error that tells the user what to do, not a panic.
func TestUnknownBackendIsError(t *testing.T) {
	t.Setenv(EnvVar, "nosuchbackend")
	_, err := New(nil)
	if err == nil || !strings.Contains(err.Error(), EnvVar+"=go") {
		t.Fatalf("want an error advising %s=go, got %v", EnvVar, err)
	}
}
