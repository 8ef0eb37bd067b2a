package nets

import (
	"math"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// The embedding's frequency grids hit their end points exactly and are evenly spaced in ω (linear) or in ln ω
// (geometric), to float64 rounding (1e-12 relative).
func TestFreqGrids(t *testing.T) {
	lin, geo := LinearFreqs(32, 1, 32), GeometricFreqs(16, 0.5, 32)
	for k, w := range lin {
		if math.Abs(w-float64(k+1)) > 1e-12*w {
			t.Errorf("linear ω_%d = %v, want %d", k, w, k+1)
		}
	}
	for k := 1; k < len(geo); k++ {
		if r := geo[k] / geo[k-1]; math.Abs(r-math.Pow(64, 1.0/15)) > 1e-12 {
			t.Errorf("geometric ratio %d = %v", k, r)
		}
	}
	if geo[0] != 0.5 || math.Abs(geo[15]-32) > 1e-12 {
		t.Errorf("geometric ends %v, %v", geo[0], geo[15])
	}
}

// With Embed = EmbedInput only the first hidden layer has time weights, and the output still depends on the time;
// XInitScale multiplies the first layer's x weights: their sample standard deviation is scale·√(2/fan-in) within
// 15 % (512 draws: the estimate's relative standard error is ≈ 3 %).
func TestMLPInputEmbedAndXScale(t *testing.T) {
	b := backend.MustNew(nil)
	m := MLP{Dim: 2, Hidden: 256, Layers: 3, Times: 1, NumFreqs: 8, Embed: EmbedInput, XInitScale: 4}
	st := model.NewStore()
	if err := st.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	x := host.Tensor([]float64{0.3, -1, 0.3, -1}, 2, 2)
	c := host.Tensor([]float64{-1, 0.7}, 2)
	out, err := model.CallOnce(b, st, func(root *model.Scope, x, c *Node) *Node { return m.Apply(root.At("net"), x, c) }, x, c)
	if err != nil {
		t.Fatal(err)
	}
	y := host.Float64s(out)
	if math.Abs(y[0]-y[2])+math.Abs(y[1]-y[3]) < 1e-4 {
		t.Errorf("same x, different times, same output %v: the time is ignored", y)
	}
	var timeVars []string
	for v := range st.IterVariables() {
		if strings.HasSuffix(v.Path(), "/t/weights") {
			timeVars = append(timeVars, v.Path())
		}
	}
	if len(timeVars) != 1 || timeVars[0] != "/net/layer_0/t/weights" {
		t.Errorf("time weights at %v, want only /net/layer_0/t/weights", timeVars)
	}
	w := tensors.MustCopyFlatData[float32](must(st.GetVariable("/net/layer_0/x/weights").Value()))
	var ss float64
	for _, v := range w {
		ss += float64(v) * float64(v)
	}
	std, want := math.Sqrt(ss/float64(len(w))), 4*math.Sqrt(2.0/2)
	if math.Abs(std/want-1) > 0.15 {
		t.Errorf("first-layer x weights: std %.3f, want %.3f", std, want)
	}
	if err := (MLP{Dim: 2, Hidden: 8, Layers: 1, NumFreqs: 4, Embed: "everywhere"}).Validate(); err == nil {
		t.Error("embed \"everywhere\": want an error")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The feature-major MLP computes the same function with the same weights as the batch-major one, for both
// embedding placements, both initialisations and two time inputs: on one store (batch-major graph first, so it
// creates the weights) F, the gradients of ⟨F, v⟩ with respect to every weight and to the time inputs, and the
// second-order gradient of ⟨∂⟨F, v⟩/∂c₁, u⟩ with respect to every weight (what MeanFlow's exact JVP
// differentiates) agree to 1e-5 relative to each output's largest entry: float32 sums in another order; a wrong
// weight orientation or bias broadcast would differ by O(1).
func TestMLPFeatureMajorSameFunction(t *testing.T) {
	b := backend.MustNew(nil)
	for _, m := range []MLP{
		{Dim: 3, Hidden: 32, Layers: 3, Times: 2, NumFreqs: 4, Init: InitTorch},
		{Dim: 2, Hidden: 16, Layers: 2, Times: 1, NumFreqs: 8, Embed: EmbedInput, XInitScale: 4},
	} {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(3); err != nil {
			t.Fatal(err)
		}
		rng := unetRNG(5)
		const n = 16
		x, v := host.Tensor(unetNormals(rng, n*m.Dim, 1), n, m.Dim), host.Tensor(unetNormals(rng, n*m.Dim, 1), n, m.Dim)
		cs := make([]*tensors.Tensor, m.Times)
		for i := range cs {
			cs[i] = host.Tensor(unetNormals(rng, n, 1), n)
		}
		var weights []*model.Variable
		run := func(fm bool) [][]float64 {
			mm := m
			mm.FeatureMajor = fm
			e, err := model.NewExec(b, store, func(root *model.Scope, in []*Node) []*Node {
				x, v, cs := in[0], in[1], in[2:]
				y := mm.Apply(root.At("net"), x, cs...)
				if weights == nil {
					for w := range store.IterVariables() {
						if w.Trainable {
							weights = append(weights, w)
						}
					}
				}
				ws := make([]*Node, len(weights))
				for i, w := range weights {
					ws[i] = w.NodeValue(x.Graph())
				}
				inner := ReduceAllSum(Mul(y, v))
				dc := Gradient(inner, cs...)
				second := Gradient(ReduceAllSum(Mul(dc[0], cs[0])), ws...)
				return append(append(append([]*Node{y}, Gradient(inner, ws...)...), dc...), second...)
			})
			if err != nil {
				t.Fatal(err)
			}
			return unetCall(t, e, append([]*tensors.Tensor{x, v}, cs...)...)
		}
		want, got := run(false), run(true)
		for i := range want {
			scale := 0.0
			for _, a := range want[i] {
				scale = max(scale, math.Abs(a))
			}
			if d := unetMaxAbsDiff(got[i], want[i]); d > 1e-5*scale {
				t.Fatalf("%+v: output %d (F, weight gradients, time gradients, second-order): feature-major differs by %g (scale %g)", m, i, d, scale)
			}
		}
	}
}
