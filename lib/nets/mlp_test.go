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
