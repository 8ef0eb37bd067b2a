package train_test

import (
	"context"
	"fmt"
	"io"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/train"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// A stage trains one model (its Forward, on the /net scope) on an Objective built from host batches, with Adam,
// an EMA of the weights (/ema/net), checkpoints in Dir and a progress bar on Out. Here the model is x ↦ x·W and the
// objective E‖x·W − 2x‖², so W goes to 2·I; the EMA weights (EMAFunc) follow.
func ExampleStage() {
	fwd := func(net *model.Scope, x, t *Node) *Node {
		w := net.VariableWithShape("w", shapes.Make(dtypes.Float32, 2, 2))
		return MatMul(x, w.NodeValue(x.Graph()))
	}
	st, err := train.NewStage(backend.MustNew(io.Discard), "double", "", 2, fwd,
		train.Config{Steps: 400, LR: 0.05, EMA: 0.9}, 1)
	if err != nil {
		panic(err)
	}
	st.Out = io.Discard
	if _, err := st.Prepare(nil); err != nil { // fresh weights (or resume from Dir's checkpoint)
		panic(err)
	}
	obj := func(root *model.Scope, in []*Node) *Node {
		x := in[0]
		return ReduceAllMean(Square(Sub(fwd(train.NetScope(root), x, nil), MulScalar(x, 2))))
	}
	batch := func(step int) []*tensors.Tensor {
		return []*tensors.Tensor{tensors.FromValue([][]float32{{1, 0}, {0, 1}, {1, 1}, {-1, 2}})}
	}
	if err := st.Run(context.Background(), obj, batch); err != nil {
		panic(err)
	}
	y := st.EMAFunc()([]float64{1, 2}, 2, 0)
	fmt.Printf("after %d steps: f([1 2]) = [%.2f %.2f]\n", st.Step, y[0], y[1])
	// Output:
	// after 400 steps: f([1 2]) = [2.00 4.00]
}
