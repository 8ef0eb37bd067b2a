package nets

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// unetTiny is the CPU test configuration: 2 channels, 8×8 images, two levels (8×8 with 8 channels, 4×4 with 16)
// with attention at 4×4, one block per level. It exercises every block kind: input conv, down, up, attention,
// skip 1×1 convs and concatenated skips.
func unetTiny(times int) UNet {
	return UNet{Channels: 2, Height: 8, Width: 8, ModelChannels: 8, Mult: []int{1, 2}, BlocksPerRes: 1,
		AttnRes: []int{4}, Dropout: 0, Times: times, NumFreqs: 4}
}

func unetRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 77)) }

func unetNormals(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

// unetPerturb replaces every trainable variable by N(0, 0.3²) values, so that the zero output conv no longer hides
// the rest of the network.
func unetPerturb(t *testing.T, store *model.Store, seed uint64) {
	t.Helper()
	rng := unetRNG(seed)
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		dims := v.Shape().Dimensions
		if err := v.SetValue(host.Tensor(unetNormals(rng, v.Shape().Size(), 0.3), dims...)); err != nil {
			t.Fatal(err)
		}
	}
}

// unetForward returns an Exec computing u.Apply(x, c_1..c_Times) under scope "unet".
func unetForward(t *testing.T, b compute.Backend, store *model.Store, u UNet) *model.Exec {
	t.Helper()
	e, err := model.NewExec(b, store, func(s *model.Scope, in []*Node) *Node {
		return u.Apply(s.At("unet"), in[0], in[1:]...)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func unetCall(t *testing.T, e *model.Exec, args ...*tensors.Tensor) [][]float64 {
	t.Helper()
	in := make([]any, len(args))
	for i, a := range args {
		in[i] = a
	}
	outs, err := e.Call(in...)
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]float64, len(outs))
	for i, o := range outs {
		res[i] = host.Float64s(o)
	}
	return res
}

func unetMaxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// TestUNetShapeZeroInitAndTime checks, for 1 and 2 time inputs: the output is [batch, C·H·W]; at initialisation it
// is exactly zero (the output conv is zero-initialised, so exact equality); after perturbing all weights it is
// non-zero and changes (by more than 1e-3, far above float32 rounding) when a time input changes; with 2 times,
// swapping t and s changes it too (the embeddings are concatenated, not summed). It also checks that the number
// of trainable values created equals Params() exactly.
func TestUNetShapeZeroInitAndTime(t *testing.T) {
	b := backend.MustNew(nil)
	for _, times := range []int{1, 2} {
		u := unetTiny(times)
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(1); err != nil {
			t.Fatal(err)
		}
		e := unetForward(t, b, store, u)
		const batch = 3
		dim := u.Channels * u.Height * u.Width
		x := host.Tensor(unetNormals(unetRNG(2), batch*dim, 1), batch, dim)
		ta := host.Tensor([]float64{-1, 0.2, 1}, batch)
		tb := host.Tensor([]float64{-0.5, 0.7, 0.9}, batch)
		args := []*tensors.Tensor{x, ta}
		swapped := []*tensors.Tensor{x, tb}
		if times == 2 {
			args = []*tensors.Tensor{x, ta, tb}
			swapped = []*tensors.Tensor{x, tb, ta}
		}
		out := unetCall(t, e, args...)[0]
		if len(out) != batch*dim {
			t.Fatalf("times=%d: output has %d values, want %d", times, len(out), batch*dim)
		}
		for i, v := range out {
			if v != 0 {
				t.Fatalf("times=%d: output[%d] = %v at initialisation, want exactly 0", times, i, v)
			}
		}
		n := 0
		for v := range store.IterVariables() {
			if v.Trainable {
				n += v.Shape().Size()
			}
		}
		if n != u.Params() {
			t.Fatalf("times=%d: %d trainable values created, Params() = %d", times, n, u.Params())
		}
		unetPerturb(t, store, 3)
		out1 := unetCall(t, e, args...)[0]
		out2 := unetCall(t, e, swapped...)[0]
		if d := unetMaxAbsDiff(out1, make([]float64, len(out1))); d < 1e-3 {
			t.Fatalf("times=%d: perturbed output max |F| = %g, want > 1e-3", times, d)
		}
		if d := unetMaxAbsDiff(out1, out2); d < 1e-3 {
			t.Fatalf("times=%d: changing the time inputs changed the output by only %g", times, d)
		}
	}
}

// TestUNetInputGradient checks ∂L/∂x for L = Σ r ⊙ F(x, t) (r fixed random, weights perturbed) against central
// differences along 3 random unit directions v: (L(x+hv) − L(x−hv))/2h vs ⟨∇L, v⟩, h = 1e-2. Tolerance 2% of
// ‖∇L‖ (relative): the network runs in float32, L ~ 10 is rounded to ~1e-6, which the 1/2h difference amplifies to
// ~1e-4, and the O(h²) truncation error is of the same order.
func TestUNetInputGradient(t *testing.T) {
	b := backend.MustNew(nil)
	u := unetTiny(1)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	const batch = 2
	dim := u.Channels * u.Height * u.Width
	rng := unetRNG(5)
	r := host.Tensor(unetNormals(rng, batch*dim, 1), batch, dim)
	c := host.Tensor([]float64{-0.3, 0.8}, batch)
	e, err := model.NewExec(b, store, func(s *model.Scope, x, c, r *Node) []*Node {
		l := ReduceAllSum(Mul(r, u.Apply(s.At("unet"), x, c)))
		return []*Node{l, Gradient(l, x)[0]}
	})
	if err != nil {
		t.Fatal(err)
	}
	x0 := unetNormals(rng, batch*dim, 1)
	unetCall(t, e, host.Tensor(x0, batch, dim), c, r) // creates the weights
	unetPerturb(t, store, 6)
	res := unetCall(t, e, host.Tensor(x0, batch, dim), c, r)
	grad := res[1]
	gnorm := math.Sqrt(unetDot(grad, grad))
	const h = 1e-2
	for k := 0; k < 3; k++ {
		v := unetUnit(unetNormals(rng, len(x0), 1))
		lp := unetCall(t, e, host.Tensor(unetAxpy(x0, v, h), batch, dim), c, r)[0][0]
		lm := unetCall(t, e, host.Tensor(unetAxpy(x0, v, -h), batch, dim), c, r)[0][0]
		fd, an := (lp-lm)/(2*h), unetDot(grad, v)
		if math.Abs(fd-an) > 0.02*gnorm {
			t.Fatalf("direction %d: finite difference %g vs gradient %g (‖∇L‖ = %g)", k, fd, an, gnorm)
		}
		t.Logf("direction %d: finite difference %.6g, gradient %.6g", k, fd, an)
	}
}

// TestUNetDoubleVJP checks that a gradient of a gradient (needed by MeanFlow-style losses) builds and runs through
// Convolve, GroupNorm, attention and resampling on this backend, and is right: with L = Σ r ⊙ F(x, t) and
// G = ‖∇ₓL‖², the second-order ∇ₓG is compared with central differences of G along 2 random directions
// (h = 1e-2; tolerance 3% of ‖∇ₓG‖, looser than the first-order test because G is itself a float32 gradient).
func TestUNetDoubleVJP(t *testing.T) {
	b := backend.MustNew(nil)
	u := unetTiny(2)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	const batch = 1
	dim := u.Channels * u.Height * u.Width
	rng := unetRNG(8)
	r := host.Tensor(unetNormals(rng, batch*dim, 1), batch, dim)
	c := host.Tensor([]float64{0.4}, batch)
	s := host.Tensor([]float64{-0.2}, batch)
	e, err := model.NewExec(b, store, func(sc *model.Scope, in []*Node) []*Node {
		x := in[0]
		l := ReduceAllSum(Mul(in[3], u.Apply(sc.At("unet"), x, in[1], in[2])))
		g := Gradient(l, x)[0]
		gg := ReduceAllSum(Square(g))
		return []*Node{gg, Gradient(gg, x)[0]}
	})
	if err != nil {
		t.Fatal(err)
	}
	x0 := unetNormals(rng, batch*dim, 1)
	unetCall(t, e, host.Tensor(x0, batch, dim), c, s, r)
	unetPerturb(t, store, 9)
	res := unetCall(t, e, host.Tensor(x0, batch, dim), c, s, r)
	grad := res[1]
	gnorm := math.Sqrt(unetDot(grad, grad))
	if gnorm == 0 {
		t.Fatal("second-order gradient is identically zero")
	}
	const h = 1e-2
	for k := 0; k < 2; k++ {
		v := unetUnit(unetNormals(rng, len(x0), 1))
		gp := unetCall(t, e, host.Tensor(unetAxpy(x0, v, h), batch, dim), c, s, r)[0][0]
		gm := unetCall(t, e, host.Tensor(unetAxpy(x0, v, -h), batch, dim), c, s, r)[0][0]
		fd, an := (gp-gm)/(2*h), unetDot(grad, v)
		if math.Abs(fd-an) > 0.03*gnorm {
			t.Fatalf("direction %d: finite difference %g vs double-VJP %g (‖∇G‖ = %g)", k, fd, an, gnorm)
		}
		t.Logf("direction %d: finite difference %.6g, double VJP %.6g", k, fd, an)
	}
}

// TestUNetDropoutTrainingOnly checks that with Dropout 0.5 two evaluations in training mode differ (fresh masks
// from the store RNG) while evaluations outside training mode are bit-identical (dropout off).
func TestUNetDropoutTrainingOnly(t *testing.T) {
	b := backend.MustNew(nil)
	u := unetTiny(1)
	u.Dropout = 0.5
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	mk := func(training bool) *model.Exec {
		e, err := model.NewExec(b, store, func(s *model.Scope, x, c *Node) *Node {
			s.Store().SetTraining(x.Graph(), training)
			return u.Apply(s.At("unet"), x, c)
		})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	dim := u.Channels * u.Height * u.Width
	x := host.Tensor(unetNormals(unetRNG(1), dim, 1), 1, dim)
	c := host.Tensor([]float64{0.1}, 1)
	eval, train := mk(false), mk(true)
	unetCall(t, eval, x, c)
	unetPerturb(t, store, 2)
	e1, e2 := unetCall(t, eval, x, c)[0], unetCall(t, eval, x, c)[0]
	if d := unetMaxAbsDiff(e1, e2); d != 0 {
		t.Fatalf("eval mode: two calls differ by %g, want identical", d)
	}
	t1, t2 := unetCall(t, train, x, c)[0], unetCall(t, train, x, c)[0]
	if d := unetMaxAbsDiff(t1, t2); d < 1e-3 {
		t.Fatalf("training mode with dropout 0.5: two calls differ by only %g", d)
	}
}

// TestUNetCIFAR10Params checks the paper's configuration's parameter count against a hand count of EDM's ddpmpp
// CIFAR-10 SongUNet written out block by block below from EDM's constructor (55,732,739, which EDM reports as
// 55.73M), for one time input; two time inputs add exactly 128·512 weights to the first embedding layer.
func TestUNetCIFAR10Params(t *testing.T) {
	// Hand count, EDM SongUNet(32, 3, 3, model_channels=128, channel_mult=[2,2,2], num_blocks=4, attn=[16]),
	// emb = 512. Block(in, out) = 2in + 9·in·out + out (norm0, conv0) + 512·out + out (affine) + 2out + 9out² + out
	// (norm1, conv1) + [in·out + out if in ≠ out or resampling] + [attention: 2out + 3out² + 3out + out² + out].
	block := func(in, out int, resample, attn bool) int {
		n := 2*in + 9*in*out + out + 512*out + out + 2*out + 9*out*out + out
		if in != out || resample {
			n += in*out + out
		}
		if attn {
			n += 2*out + 3*out*out + 3*out + out*out + out
		}
		return n
	}
	n := 128*512 + 512 + 512*512 + 512 // map_layer0, map_layer1
	n += 9*3*128 + 128                 // 32x32_conv
	n += block(128, 256, false, false) + 3*block(256, 256, false, false)
	n += block(256, 256, true, false) + 4*block(256, 256, false, true) // 16×16 with attention
	n += block(256, 256, true, false) + 4*block(256, 256, false, false)
	n += block(256, 256, false, true) + block(256, 256, false, false) // 8x8_in0 (attention), in1
	n += 5 * block(512, 256, false, false)
	n += block(256, 256, true, false) + 4*block(512, 256, false, false) + block(512, 256, false, true)
	n += block(256, 256, true, false) + 4*block(512, 256, false, false) + block(256+128, 256, false, false) // last skip: 32x32_conv
	n += 2*256 + 9*256*3 + 3                                                                                // aux_norm, aux_conv
	if got := CIFAR10UNet(1).Params(); got != n {
		t.Fatalf("CIFAR10UNet(1).Params() = %d, hand count %d", got, n)
	}
	if got := CIFAR10UNet(2).Params(); got != n+128*512 {
		t.Fatalf("CIFAR10UNet(2).Params() = %d, want %d", got, n+128*512)
	}
	t.Logf("CIFAR-10 U-Net: %d parameters (1 time), %d (2 times)", n, n+128*512)
}

// TestUNetBadInput checks that a wrong input width and a wrong number of time inputs are refused with a message
// naming the expected shape / count.
func TestUNetBadInput(t *testing.T) {
	b := backend.MustNew(nil)
	u := unetTiny(1)
	for _, tc := range []struct {
		dim, times int
		want       string
	}{{dim: 100, times: 1, want: "want [batch, 128]"}, {dim: 128, times: 2, want: "got 2 time inputs"}} {
		cs := []*tensors.Tensor{host.Tensor([]float64{0}, 1), host.Tensor([]float64{0}, 1)}[:tc.times]
		e, err := model.NewExec(b, model.NewStore(), func(s *model.Scope, in []*Node) *Node {
			return u.Apply(s.At("unet"), in[0], in[1:]...)
		})
		if err != nil {
			t.Fatal(err)
		}
		args := []any{host.Tensor(make([]float64, tc.dim), 1, tc.dim)}
		for _, c := range cs {
			args = append(args, c)
		}
		_, err = e.Call(args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("got error %v, want one containing %q", err, tc.want)
		}
	}
}

// TestUNetCPUStepTime measures (and logs) one forward+backward of the tiny configuration at batch 8 on this
// backend; it checks only that the step produced a finite loss.
func TestUNetCPUStepTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing only")
	}
	b := backend.MustNew(nil)
	u := unetTiny(1)
	store := model.NewStore()
	const batch = 8
	dim := u.Channels * u.Height * u.Width
	e, err := model.NewExec(b, store, func(s *model.Scope, x, c *Node) *Node {
		l := ReduceAllMean(Square(u.Apply(s.At("unet"), x, c)))
		var ws []*Node
		for v := range s.Store().IterVariables() {
			if v.Trainable && v.InUseByGraph(x.Graph()) {
				ws = append(ws, v.NodeValue(x.Graph()))
			}
		}
		gs := Gradient(l, ws...)
		total := l
		for _, g := range gs {
			total = Add(total, MulScalar(ReduceAllSum(g), 0))
		}
		return total
	})
	if err != nil {
		t.Fatal(err)
	}
	x := host.Tensor(unetNormals(unetRNG(1), batch*dim, 1), batch, dim)
	c := host.Tensor(unetNormals(unetRNG(2), batch, 1), batch)
	unetCall(t, e, x, c) // compile
	start := time.Now()
	const reps = 5
	var loss float64
	for i := 0; i < reps; i++ {
		loss = unetCall(t, e, x, c)[0][0]
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		t.Fatalf("loss %v", loss)
	}
	t.Logf("tiny U-Net (%d params) forward+backward, batch %d: %v per step", u.Params(), batch, time.Since(start)/reps)
}

func unetDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func unetUnit(v []float64) []float64 {
	n := math.Sqrt(unetDot(v, v))
	for i := range v {
		v[i] /= n
	}
	return v
}

// unetAxpy returns x + a·v.
func unetAxpy(x, v []float64, a float64) []float64 {
	out := make([]float64, len(x))
	for i := range x {
		out[i] = x[i] + a*v[i]
	}
	return out
}
