package nets

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// The skip gate (EDM.Gate) is the plain preconditioning at initialisation (m = 4 sigmoid(−ln 3) = 1, up to float32
// rounding of the sigmoid: 1e-6 relative); with the gate's biases set to b (A = 0) the denoiser moves by exactly
// c_skip (m − 1) ⊙ x with m = 4 sigmoid(b − ln 3), i.e. D = c_skip m ⊙ x + c_out F, to 2e-5 relative (float32
// arithmetic on values up to |x| ≈ 240 at σ = 80); and the consistency form still returns x at σ_min (c_out = 0
// there), to 1e-6.
func TestEDMSkipGate(t *testing.T) {
	b := backend.MustNew(nil)
	const dim = 3
	sigmas := []float64{0.01, 0.5, 5, 80}
	n := len(sigmas)
	net := MLP{Dim: dim, Hidden: 16, Layers: 2, Times: 1, NumFreqs: 4}
	plain, gated := EDM{SigmaData: 0.5, SigmaMin: 0.002}, EDM{SigmaData: 0.5, SigmaMin: 0.002, Gate: true}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(2); err != nil {
		t.Fatal(err)
	}
	rng := unetRNG(4)
	xs := unetNormals(rng, n*dim, 1)
	for i := range xs {
		xs[i] *= 1 + sigmas[i/dim] // x ≈ x₀ + σε
	}
	x, sig := host.Tensor(xs, n, dim), host.Tensor(sigmas, n)
	sigMin := host.Tensor([]float64{0.002, 0.002, 0.002, 0.002}, n)
	e, err := model.NewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
		s := root.At("net")
		return []*Node{gated.Denoiser(s, net, in[0], in[1]), plain.Denoiser(s, net, in[0], in[1]),
			gated.Consistency(s, net, in[0], in[2])}
	})
	if err != nil {
		t.Fatal(err)
	}
	out := unetCall(t, e, x, sig, sigMin)
	for i := range out[0] {
		if math.Abs(out[0][i]-out[1][i]) > 1e-6*(1+math.Abs(out[1][i])) {
			t.Fatalf("at initialisation the gated D differs at %d: %v vs %v", i, out[0][i], out[1][i])
		}
	}
	var bias *model.Variable
	for v := range store.IterVariables() {
		if v.Scope() == "/net/skip_gate" && v.Name() == "biases" {
			bias = v
		}
	}
	if bias == nil {
		t.Fatal("no /net/skip_gate biases in the store")
	}
	bs := []float64{0.5, -1, 2}
	if err := bias.SetValue(host.Tensor(bs, dim)); err != nil {
		t.Fatal(err)
	}
	out = unetCall(t, e, x, sig, sigMin)
	for i := range out[0] {
		s := sigmas[i/dim]
		cSkip := 0.25 / (s*s + 0.25)
		m := 4 / (1 + math.Exp(-(bs[i%dim] - math.Log(3))))
		want := out[1][i] + cSkip*(m-1)*xs[i]
		if math.Abs(out[0][i]-want) > 2e-5*(1+math.Abs(want)) {
			t.Errorf("σ = %g, coordinate %d: gated D = %v, want D_plain + c_skip (m − 1) x = %v", s, i%dim, out[0][i], want)
		}
		if math.Abs(out[2][i]-xs[i]) > 1e-6*(1+math.Abs(xs[i])) {
			t.Errorf("consistency form at σ_min: f = %v, want x = %v", out[2][i], xs[i])
		}
	}
}
