//go:build !goexperiment.simd

package backend

// SIMD reports whether this binary was built with GOEXPERIMENT=simd (the pure-Go backend's vector kernels).
const SIMD = false
