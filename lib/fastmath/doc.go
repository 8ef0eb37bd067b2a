// Package fastmath works around a slowdown of scalar float64 code in binaries built with GOEXPERIMENT=simd (which
// the pure-Go GoMLX backend needs): with Go 1.27.3, math.Exp ran 10–100× slower than without the experiment in a
// plain program (2 M calls: 0.5–2.7 s against 0.02–0.05 s), and scalar loops ran 8–10× slower until the AVX upper
// register state was cleared — the signature of the AVX-to-SSE transition penalty. Exp is a pure-Go e^x that does
// not suffer from it; ClearUpperAVX executes VZEROUPPER on the current thread (a no-op off amd64).
package fastmath
