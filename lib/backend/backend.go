// Package backend chooses the engine that runs the project's graphs.
//
// The pure-Go CPU backend ("go") is the default: it needs no download, no cgo and no GPU. A user picks another
// engine with the environment variable GOMLX_BACKEND, for example GOMLX_BACKEND=xla:cuda (PJRT CUDA plugin, see the
// README) — that choice is always honoured. GoMLX's own default would try to download an XLA CPU plugin; this
// package never lets it: it sets GOMLX_NO_AUTO_INSTALL=1 unless the user set it.
package backend

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/gomlx/backends/default" // registers "go" (and "xla" unless built with -tags noxla)
)

// EnvVar is the environment variable that selects the backend (GoMLX's own name for it).
const EnvVar = compute.ConfigEnvVar

// Default is the engine used when EnvVar is unset: the pure-Go CPU backend, configured by DefaultConfig.
const Default = "go"

// Config returns the backend configuration this process will use: $GOMLX_BACKEND if set, else DefaultConfig().
func Config() string {
	if c, ok := os.LookupEnv(EnvVar); ok && strings.TrimSpace(c) != "" {
		return strings.TrimSpace(c)
	}
	return DefaultConfig()
}

// DefaultConfig is the pure-Go backend with min(8, GOMAXPROCS) parallel graph executors, e.g.
// "go:num_executors=2" on 2 cores.
//
// Why: the backend runs a graph's independent ops on num_executors executor goroutines (8 by default), each but
// the caller's holding a slot of its worker pool (2·GOMAXPROCS slots) for the whole graph. On 2 cores that leaves one
// slot, so a large matrix product, which splits itself over the free slots, runs on about one core. With one
// executor per core it gets three. Measured quiet on 2 cores: the toy MLP's gradient step 4.4 → 2.9 ms
// (BenchmarkMLPGradStep, 3 rounds interleaved), make run 86 → 58 s with bit-identical numbers (README,
// Performance). The executor count never changes results, only which goroutine runs an op.
func DefaultConfig() string {
	return fmt.Sprintf("%s:num_executors=%d", Default, min(8, runtime.GOMAXPROCS(0)))
}

// New creates the backend named by Config and writes one line to w (if not nil) saying which backend runs and
// how it was chosen. On the pure-Go backend it also warns when the binary was built without GOEXPERIMENT=simd,
// which makes its kernels ~12× slower (measured on the MLP training step).
func New(w io.Writer) (compute.Backend, error) {
	if _, ok := os.LookupEnv("GOMLX_NO_AUTO_INSTALL"); !ok {
		_ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
	}
	reserveHeapHeadroom()
	config := Config()
	how := "default; set " + EnvVar + " to change"
	if strings.TrimSpace(os.Getenv(EnvVar)) != "" {
		how = "from $" + EnvVar
	}
	b, err := newWithConfig(config)
	if err != nil {
		return nil, fmt.Errorf("backend %q (%s) failed to start: %w; the pure-Go CPU backend needs nothing: unset %s or set %s=go",
			config, how, err, EnvVar, EnvVar)
	}
	if w != nil {
		fmt.Fprintf(w, "backend: %s (%s) — %s\n", b.Name(), config, how)
		if strings.HasPrefix(config, "go") && !SIMD {
			fmt.Fprintf(w, "WARNING: built without GOEXPERIMENT=simd: the pure-Go backend runs ~12× slower. "+
				"Rebuild with GOEXPERIMENT=simd (the Makefile sets it).\n")
		}
	}
	return b, nil
}

// newWithConfig wraps compute.NewWithConfig, turning its panics (unknown backend name) into errors.
func newWithConfig(config string) (b compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v (compiled-in backends: %s)", r, strings.Join(compute.List(), ", "))
		}
	}()
	return compute.NewWithConfig(config)
}

// MustNew is New for programs and notebooks: it panics with New's error.
func MustNew(w io.Writer) compute.Backend {
	b, err := New(w)
	if err != nil {
		panic(err)
	}
	return b
}
