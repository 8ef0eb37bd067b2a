package nets

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ditSmall is the test-sized DiT: 3 channels on a non-square 8×12 image, patch 2 (4×6 = 24 tokens), 2 blocks of
// 2 heads of width 8; it compiles in about a second.
func ditSmall(times int) DiT {
	return DiT{Channels: 3, Height: 8, Width: 12, Patch: 2, Hidden: 16, Depth: 2, Heads: 2, MLPRatio: 2,
		Times: times, NumFreqs: 4}
}

// ditRandom returns n values drawn from N(0, scale²).
func ditRandom(rng *rand.Rand, n int, scale float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = scale * rng.NormFloat64()
	}
	return x
}

// ditInputs returns a batch of random images [batch, C·H·W] ~ N(0, 1) and d.Times time inputs [batch] ~ U(0.1, 0.9).
func ditInputs(d DiT, batch int, seed uint64) (x []float64, ts [][]float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x = ditRandom(rng, batch*d.Channels*d.Height*d.Width, 1)
	for range d.Times {
		t := make([]float64, batch)
		for i := range t {
			t[i] = 0.1 + 0.8*rng.Float64()
		}
		ts = append(ts, t)
	}
	return x, ts
}

// ditCall builds an Exec of d.Apply under "/net" and returns a function mapping (x, ts) to F's output, flat.
func ditCall(t *testing.T, store *model.Store, d DiT, batch int) func(x []float64, ts [][]float64) []float64 {
	t.Helper()
	exec := model.MustNewExec(backend.MustNew(nil), store, func(root *model.Scope, in []*Node) *Node {
		return d.Apply(root.At("net"), in[0], in[1:]...)
	})
	return func(x []float64, ts [][]float64) []float64 {
		args := []any{host.Tensor(x, batch, len(x)/batch)}
		for _, ti := range ts {
			args = append(args, host.Tensor(ti, batch))
		}
		outs, err := exec.Call(args...)
		if err != nil {
			t.Fatal(err)
		}
		return host.Float64s(outs[0])
	}
}

// DiTPerturbWeights sets every trainable variable of store to random values, so that the zero-initialised
// adaLN-Zero modulations and output layer no longer hide the rest of the network: weights [in, out] ~
// N(0, 1/in), biases ~ N(0, 0.1²). Exported (test builds only) for the JVP test in package nets_test.
func DiTPerturbWeights(t *testing.T, store *model.Store, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		dims := v.Shape().Dimensions
		scale := 0.1
		if len(dims) == 2 {
			scale = 1 / math.Sqrt(float64(dims[0]))
		}
		if err := v.SetValue(host.Tensor(ditRandom(rng, v.Shape().Size(), scale), dims...)); err != nil {
			t.Fatal(err)
		}
	}
}

// ditTrainableScalars counts the trainable scalars in store.
func ditTrainableScalars(store *model.Store) int {
	n := 0
	for v := range store.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

// For the MNIST default (one and two time inputs) and a 3-channel non-square image (3×8×12, patch 2): the output
// has the input's shape [batch, C·H·W]; it is exactly 0 at initialisation (adaLN-Zero: the final layer's weights
// and bias start at 0, so F ≡ 0 whatever the input, with no rounding involved); and Params() equals the number of
// trainable scalars actually created in the store (exact integer equality).
func TestDiTShapesParamsAndZeroInit(t *testing.T) {
	cases := []DiT{DefaultDiT(1, 28, 28, 1), DefaultDiT(1, 28, 28, 2), ditSmall(1)}
	for _, d := range cases {
		const batch = 3
		store := model.NewStore()
		x, ts := ditInputs(d, batch, 1)
		out := ditCall(t, store, d, batch)(x, ts)
		if len(out) != len(x) {
			t.Fatalf("%+v: output has %d values, want %d = batch·C·H·W", d, len(out), len(x))
		}
		for i, v := range out {
			if v != 0 {
				t.Fatalf("%+v: output[%d] = %g at initialisation, want exactly 0 (adaLN-Zero)", d, i, v)
			}
		}
		if got, want := ditTrainableScalars(store), d.Params(); got != want {
			t.Errorf("%+v: %d trainable scalars in the store, Params() = %d", d, got, want)
		}
	}
}

// Patchify puts pixel (c, y, x) of image b at token (y/P)·(W/P) + x/P, position c·P² + (y%P)·P + x%P of that
// token's vector — the layout Unpatchify and the position code assume — and Unpatchify∘Patchify is the identity.
// Both are pure data movement (Reshape/Transpose), so equality is exact on a 2×3×8×12 image with patch 2.
func TestDiTPatchifyLayoutAndRoundTrip(t *testing.T) {
	d := ditSmall(1)
	const batch = 2
	c, h, w, p := d.Channels, d.Height, d.Width, d.Patch
	x, _ := ditInputs(d, batch, 2)
	outs, err := MustNewExec(backend.MustNew(nil), func(xn *Node) []*Node {
		tok := d.ditPatchify(xn)
		return []*Node{tok, d.ditUnpatchify(tok, batch)}
	}).Call(host.Tensor(x, batch, c*h*w))
	if err != nil {
		t.Fatal(err)
	}
	tok, back := host.Float64s(outs[0]), host.Float64s(outs[1])
	x32 := host.Float64s(host.Tensor(x, len(x))) // x rounded to float32, as the graph sees it
	if got, want := outs[0].Shape().Dimensions, []int{batch * d.ditTokens(), d.ditPatchDim()}; got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("patches shape %v, want %v", got, want)
	}
	for b := 0; b < batch; b++ {
		for ci := 0; ci < c; ci++ {
			for y := 0; y < h; y++ {
				for xx := 0; xx < w; xx++ {
					src := ((b*c+ci)*h+y)*w + xx
					token := b*d.ditTokens() + (y/p)*(w/p) + xx/p
					dst := token*d.ditPatchDim() + ci*p*p + (y%p)*p + xx%p
					if tok[dst] != x32[src] {
						t.Fatalf("pixel (b=%d, c=%d, y=%d, x=%d) = %v landed as %v", b, ci, y, xx, x32[src], tok[dst])
					}
					if back[src] != x32[src] {
						t.Fatalf("round trip changed pixel %d: %v → %v", src, x32[src], back[src])
					}
				}
			}
		}
	}
}

// The 2-D position code of the token at patch row i, column j is, by hand, sin(i·ω_k), cos(i·ω_k) in the first
// half and sin(j·ω_k), cos(j·ω_k) in the second, ω_k = 10000^(−k/(Hidden/4)); checked on all 24 tokens of a 4×6
// grid to 1e-6 (float32 rounding of values in [−1, 1]).
func TestDiTPosEmbedMatchesFormula(t *testing.T) {
	d := ditSmall(1)
	pe := d.ditPosEmbed()
	q, gw := d.Hidden/4, d.Width/d.Patch
	for tok, row := range pe {
		i, j := float64(tok/gw), float64(tok%gw)
		for k := 0; k < q; k++ {
			om := math.Pow(10000, -float64(k)/float64(q))
			want := []float64{math.Sin(i * om), math.Cos(i * om), math.Sin(j * om), math.Cos(j * om)}
			got := []float32{row[k], row[q+k], row[2*q+k], row[3*q+k]}
			for m := range want {
				if math.Abs(float64(got[m])-want[m]) > 1e-6 {
					t.Fatalf("token %d (row %v, col %v), frequency %d, part %d: %v, want %v", tok, i, j, k, m, got[m], want[m])
				}
			}
		}
	}
}

// With perturbed weights (so that the zero-initialised gates and output layer are active), changing either time
// input alone changes the output of a two-time DiT, by at least 1% of the output's RMS (measured: several tens of
// percent), while repeating the same call reproduces the output exactly (the network is deterministic).
func TestDiTDependsOnEachTimeInput(t *testing.T) {
	d := ditSmall(2)
	const batch = 4
	store := model.NewStore()
	f := ditCall(t, store, d, batch)
	x, ts := ditInputs(d, batch, 3)
	f(x, ts)
	DiTPerturbWeights(t, store, 4)
	base := f(x, ts)
	rms := ditRMS(base)
	if rms == 0 {
		t.Fatal("output is 0 after perturbing the weights")
	}
	if again := f(x, ts); ditMaxAbsDiff(again, base) != 0 {
		t.Fatalf("same inputs gave different outputs (max diff %g)", ditMaxAbsDiff(again, base))
	}
	for i := range ts {
		moved := [][]float64{append([]float64(nil), ts[0]...), append([]float64(nil), ts[1]...)}
		for j := range moved[i] {
			moved[i][j] += 0.3
		}
		if diff := ditMaxAbsDiff(f(x, moved), base); diff < 0.01*rms {
			t.Errorf("time input %d: moving it by 0.3 changed the output by %g (output RMS %g)", i, diff, rms)
		}
	}
}

// The gradient of L = Σ w⊙F(x, t₁, t₂) (fixed random w) with respect to the image and both time inputs, taken by
// GoMLX's reverse mode, matches a central finite difference of L along random directions (v_x ~ N(0, 1) per pixel,
// v_t ~ N(0, 0.1²) per time), step ε = 3e-3, with L summed in float64 from the float32 outputs. Error budget,
// relative to |⟨∇L, v⟩|, measured on this network: truncation ∝ ε² (3.5e-3 at ε = 1e-2, 3e-2 at ε = 3e-2, so ~3e-4
// here) and float32 rounding of F divided by 2ε (~1e-3 at ε = 1e-3, so ~3e-4 here); tolerance 3e-3, about 6× the
// measured 3e-4–5e-4. A wrong derivative anywhere in the network gives errors of order 1.
func TestDiTGradientMatchesFiniteDifference(t *testing.T) {
	d := ditSmall(2)
	const batch, eps = 4, 3e-3
	store := model.NewStore()
	x, ts := ditInputs(d, batch, 5)
	f := ditCall(t, store, d, batch)
	f(x, ts)
	DiTPerturbWeights(t, store, 6)
	rng := rand.New(rand.NewPCG(8, 9))
	w := ditRandom(rng, len(x), 1)
	grads, err := model.MustNewExec(backend.MustNew(nil), store, func(root *model.Scope, in []*Node) []*Node {
		l := ReduceAllSum(Mul(d.Apply(root.At("net"), in[0], in[1], in[2]), in[3]))
		return Gradient(l, in[0], in[1], in[2])
	}).Call(host.Tensor(x, batch, len(x)/batch), host.Tensor(ts[0], batch), host.Tensor(ts[1], batch),
		host.Tensor(w, batch, len(x)/batch))
	if err != nil {
		t.Fatal(err)
	}
	gx, g1, g2 := host.Float64s(grads[0]), host.Float64s(grads[1]), host.Float64s(grads[2])
	loss := func(x []float64, ts [][]float64) float64 { return ditDot(w, f(x, ts)) }
	for trial := 0; trial < 3; trial++ {
		vx, v1, v2 := ditRandom(rng, len(x), 1), ditRandom(rng, batch, 0.1), ditRandom(rng, batch, 0.1)
		shift := func(s float64) ([]float64, [][]float64) {
			return ditAxpy(s, vx, x), [][]float64{ditAxpy(s, v1, ts[0]), ditAxpy(s, v2, ts[1])}
		}
		want := (loss(shift(eps)) - loss(shift(-eps))) / (2 * eps)
		got := ditDot(gx, vx) + ditDot(g1, v1) + ditDot(g2, v2)
		if rel := math.Abs(got-want) / math.Abs(want); rel > 3e-3 {
			t.Errorf("direction %d: ⟨∇L, v⟩ = %.6g, finite difference %.6g (relative error %.2g)", trial, got, want, rel)
		} else {
			t.Logf("direction %d: ⟨∇L, v⟩ = %.6g, finite difference %.6g (relative error %.2g)", trial, got, want, rel)
		}
	}
}

func ditDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// ditAxpy returns s·v + x.
func ditAxpy(s float64, v, x []float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = x[i] + s*v[i]
	}
	return out
}

func ditRMS(a []float64) float64 { return math.Sqrt(ditDot(a, a) / float64(len(a))) }

func ditMaxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// Widening: a two-time DiT whose weights are copied by WidenTimes from a one-time DiT (with perturbed weights)
// computes the one-time function, F₂(x, c₁, c₂) = F₁(x, c₁), for random c₂ — the second time MLP's output layer
// starts at zero, so its contribution to the conditioning vector is exactly 0 and the remaining computation is the
// same sequence of float32 ops; checked to 1e-6 relative to max|F₁| (measured exactly equal).
func TestDiTWidenTimesKeepsTheFunction(t *testing.T) {
	d1, d2 := ditSmall(1), ditSmall(2)
	const batch = 3
	one, two := model.NewStore(), model.NewStore()
	x, ts := ditInputs(d2, batch, 11)
	f1 := ditCall(t, one, d1, batch)
	f1(x, ts[:1])
	DiTPerturbWeights(t, one, 12)
	want := f1(x, ts[:1])
	f2 := ditCall(t, two, d2, batch)
	f2(x, ts)
	if err := WidenTimes(one, "/net", two, "/net"); err != nil {
		t.Fatal(err)
	}
	got := f2(x, ts)
	if diff, scale := ditMaxAbsDiff(got, want), ditMaxAbsDiff(want, make([]float64, len(want))); scale == 0 || diff > 1e-6*scale {
		t.Fatalf("widened DiT differs from the one-time DiT by %g (max |F₁| %g)", diff, scale)
	}
}

// Validate accepts the defaults and the test configuration and rejects each inconsistent field: a patch that does
// not divide the image, a width that is not a multiple of 4 (the 2-D position code splits it in four), heads that
// do not divide the width, and zero time inputs.
func TestDiTValidate(t *testing.T) {
	for _, d := range []DiT{DefaultDiT(1, 28, 28, 1), DefaultDiT(3, 32, 32, 2), ditSmall(2)} {
		if err := d.Validate(); err != nil {
			t.Errorf("%+v: %v", d, err)
		}
	}
	bad := map[string]func(d *DiT){
		"patch 3 on 28×28": func(d *DiT) { d.Patch = 3 },
		"hidden 98":        func(d *DiT) { d.Hidden = 98 },
		"5 heads of 96":    func(d *DiT) { d.Heads = 5 },
		"no time input":    func(d *DiT) { d.Times = 0 },
	}
	for name, edit := range bad {
		d := DefaultDiT(1, 28, 28, 1)
		edit(&d)
		if d.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
