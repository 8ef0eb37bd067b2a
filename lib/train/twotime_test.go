package train

import (
	"context"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// EMAFunc2 evaluates a two-time model on the EMA weights: F(x, t, s) = x·W·(t − s) equals the single-time
// EMAFunc's x·W times (t − s) exactly (same weights, float32 products of small integers and halves), and it
// follows the weights as training moves them (the GoMLX stale-Exec workaround).
func TestEMAFunc2(t *testing.T) {
	b := backend.MustNew(nil)
	st, err := NewStage(b, "t2", "", 2, linearFwd, Config{Steps: 3, LR: 0.1, EMA: 0.5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	w := st.Store.GetVariable("/ema/net/w")
	w.MustSetValue(tensors.FromValue([][]float32{{1, 2}, {3, 4}}))
	fwd2 := func(net *model.Scope, x, t, s *Node) *Node {
		v := net.VariableWithShape("w", shapes.Make(dtypes.Float32, 2, 2))
		return Mul(MatMul(x, v.NodeValue(x.Graph())), ExpandAxes(Sub(t, s), -1))
	}
	f2, f1 := st.EMAFunc2(fwd2), st.EMAFunc()
	x := []float64{1, 2, -1, 0.5}
	got, one := f2(x, 2, 1.5, 0.5), f1(x, 2, 1)
	for i := range got {
		if got[i] != one[i] {
			t.Fatalf("two-time %v, single-time %v", got, one)
		}
	}
	obj := func(root *model.Scope, in []*Node) *Node {
		return ReduceAllMean(Square(linearFwd(NetScope(root), in[0], nil)))
	}
	batch := func(int) []*tensors.Tensor { return []*tensors.Tensor{tensors.FromValue([][]float32{{1, 2}})} }
	if err := st.Run(context.Background(), obj, batch); err != nil {
		t.Fatal(err)
	}
	if after := f2(x, 2, 1.5, 0.5); after[0] == got[0] {
		t.Fatalf("EMAFunc2 did not follow training: %v → %v", got, after)
	}
}
