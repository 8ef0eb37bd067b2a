package train

import (
	"context"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// linearFwd is a tiny model F(x, t) = x·W (no time dependence) for stage tests.
func linearFwd(net *model.Scope, x, t *Node) *Node {
	w := net.VariableWithShape("w", shapes.Make(dtypes.Float32, 2, 2))
	_ = t
	return MatMul(x, w.NodeValue(x.Graph()))
}

func TestEMAFollowsWeights(t *testing.T) {
	b := backend.MustNew(nil)
	st, err := NewStage(b, "t", "", 2, linearFwd, Config{Steps: 5, LR: 0.1, EMA: 0.5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	x := []float64{1, 2}
	f := st.EMAFunc()
	before := f(x, 2, 1)
	obj := func(root *model.Scope, in []*Node) *Node {
		return ReduceAllMean(Square(linearFwd(NetScope(root), in[0], nil)))
	}
	batch := func(int) []*tensors.Tensor { return []*tensors.Tensor{tensors.FromValue([][]float32{{1, 2}})} }
	if err := st.Run(context.Background(), obj, batch); err != nil {
		t.Fatal(err)
	}
	mid := f(x, 2, 1)
	st.Cfg.Steps = 10
	if err := st.Run(context.Background(), obj, batch); err != nil {
		t.Fatal(err)
	}
	after := f(x, 2, 1)
	t.Logf("EMA output: %v → %v → %v", before, mid, after)
	if before[0] == mid[0] || mid[0] == after[0] {
		t.Fatalf("EMA evaluation did not change with training: %v → %v → %v", before, mid, after)
	}
}
