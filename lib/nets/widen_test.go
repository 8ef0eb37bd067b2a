package nets

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// After WidenTimes, a two-time MLP computes its one-time source exactly up to float32 summation order
// (1e-6 relative): F'(x, c₁, c₂) = F(x, c₁) for any c₂. Mismatched shapes are an error.
func TestWidenTimes(t *testing.T) {
	b := backend.MustNew(nil)
	narrow, wide := MLP{Dim: 2, Hidden: 16, Layers: 2, Times: 1, NumFreqs: 4}, MLP{Dim: 2, Hidden: 16, Layers: 2, Times: 2, NumFreqs: 4}
	from, to := model.NewStore(), model.NewStore()
	if err := from.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	x := host.Tensor([]float64{0.3, -1, 2, 0.5, -0.7, 0.1}, 3, 2)
	c1 := host.Tensor([]float64{0.1, 0.5, 0.9}, 3)
	c2 := host.Tensor([]float64{0, 0.3, 0.8}, 3)
	ref, err := model.CallOnce(b, from, func(root *model.Scope, x, c *Node) *Node { return narrow.Apply(root.At("net"), x, c) }, x, c1)
	if err != nil {
		t.Fatal(err)
	}
	wideFn := func(root *model.Scope, x, c, d *Node) *Node { return wide.Apply(root.At("net"), x, c, d) }
	if _, err := model.CallOnce(b, to, wideFn, x, c1, c2); err != nil {
		t.Fatal(err)
	}
	if err := WidenTimes(from, "/net", to, "/net"); err != nil {
		t.Fatal(err)
	}
	got, err := model.CallOnce(b, to, wideFn, x, c1, c2)
	if err != nil {
		t.Fatal(err)
	}
	r, g := host.Float64s(ref), host.Float64s(got)
	for i := range r {
		if math.Abs(r[i]-g[i]) > 1e-6*(1+math.Abs(r[i])) {
			t.Errorf("output %d: widened %v, source %v", i, g[i], r[i])
		}
	}
	other := model.NewStore()
	if _, err := model.CallOnce(b, other, func(root *model.Scope, x, c *Node) *Node {
		return MLP{Dim: 2, Hidden: 8, Layers: 2, Times: 1, NumFreqs: 4}.Apply(root.At("net"), x, c)
	}, x, c1); err != nil {
		t.Fatal(err)
	}
	if err := WidenTimes(other, "/net", to, "/net"); err == nil {
		t.Error("hidden 8 into hidden 16: want an error")
	}
}
