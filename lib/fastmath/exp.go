package fastmath

import "math"

// Exp is e^x in pure Go, accurate to a few ulp: x = k·ln 2 + r with |r| ≤ ln2/2, e^r by its Taylor series to
// degree 13 (truncation < 1e-16 relative), then scaled by 2^k.
//
// Why not math.Exp: in binaries built with GOEXPERIMENT=simd (which this project requires) math.Exp — an amd64
// assembly routine — was measured 20–28× slower than without the experiment (2 M calls: 1.8–2.2 s against 0.08 s;
// this pure-Go version: 0.10 s either way; math.Log and math.Sqrt unaffected), and the oracle's denoiser calls it
// K times per evaluation.
func Exp(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > 709.78:
		return math.Inf(1)
	case x < -745.2:
		return 0
	}
	const (
		log2e = 1.44269504088896338700e+00
		ln2hi = 6.93147180369123816490e-01 // ln 2 split for an exact k·ln2hi
		ln2lo = 1.90821492927058770002e-10
	)
	kf := x * log2e
	if kf < 0 {
		kf -= 0.5
	} else {
		kf += 0.5
	}
	k := int(kf)
	r := (x - float64(k)*ln2hi) - float64(k)*ln2lo
	// Horner form of Σ_{n≤13} rⁿ/n!.
	p := invFact[13]
	for n := 12; n >= 0; n-- {
		p = p*r + invFact[n]
	}
	return math.Ldexp(p, k)
}

// invFact[n] = 1/n!.
var invFact = func() (f [14]float64) {
	f[0] = 1
	for n := 1; n < len(f); n++ {
		f[n] = f[n-1] / float64(n)
	}
	return f
}()
