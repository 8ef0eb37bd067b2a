package fastmath

// ClearUpperAVX clears the upper halves of the AVX registers (the VZEROUPPER instruction).
//
// Why: in binaries built with GOEXPERIMENT=simd (required by this project), the oracle's scalar float64 loop ran
// 8–10× slower (2.1 µs instead of 0.24 µs per denoiser evaluation) until VZEROUPPER was executed on the running
// thread — the signature of the AVX-to-SSE transition penalty after code that leaves the upper register state
// dirty. The oracle calls it before each point it integrates (every ~100 µs); it costs a few cycles.
func ClearUpperAVX()
