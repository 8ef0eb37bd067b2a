package nets

import (
	"fmt"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// BenchmarkMLPGradStep times one forward and backward pass of the 2D toy backbone (DefaultMLP, batch 512, the
// squared error against a target, gradients of every weight), batch-major against feature-major layers.
func BenchmarkMLPGradStep(bm *testing.B) {
	b := backend.MustNew(nil)
	const n = 512
	rng := unetRNG(1)
	x, c, y := host.Tensor(unetNormals(rng, 2*n, 1), n, 2), host.Tensor(unetNormals(rng, n, 1), n), host.Tensor(unetNormals(rng, 2*n, 1), n, 2)
	for _, fm := range []bool{false, true} {
		m := DefaultMLP(2, 1)
		m.FeatureMajor = fm
		store := model.NewStore()
		e := model.MustNewExec(b, store, func(root *model.Scope, x, c, y *Node) []*Node {
			d := Sub(m.Apply(root.At("net"), x, c), y)
			var ws []*Node
			for v := range store.IterVariables() {
				if v.Trainable {
					ws = append(ws, v.NodeValue(x.Graph()))
				}
			}
			return Gradient(ReduceAllMean(Mul(d, d)), ws...)
		})
		bm.Run(fmt.Sprintf("fm=%v", fm), func(bm *testing.B) {
			for bm.Loop() {
				outs, err := e.Call(x, c, y)
				if err != nil {
					bm.Fatal(err)
				}
				finalize(outs)
			}
		})
	}
}

func finalize(ts []*tensors.Tensor) {
	for _, t := range ts {
		t.FinalizeAll()
	}
}
