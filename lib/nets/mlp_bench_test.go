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

// BenchmarkMLPGradStep times one forward and backward pass of an MLP (the squared error against a target, gradients
// of every weight), batch-major against feature-major layers: toy is the 2D backbone (DefaultMLP, batch 512), mnist
// mnist-quick's (4 × 1024 on 784 values, batch 128). CMT_DOT_VJP=gomlx times GoMLX's own DotGeneral gradient.
func BenchmarkMLPGradStep(bm *testing.B) {
	b := backend.MustNew(nil)
	for _, cfg := range []struct {
		name           string
		dim, n, hidden int
	}{{"toy", 2, 512, 0}, {"mnist", 784, 128, 1024}} {
		rng := unetRNG(1)
		n, dim := cfg.n, cfg.dim
		x, c, y := host.Tensor(unetNormals(rng, dim*n, 1), n, dim), host.Tensor(unetNormals(rng, n, 1), n), host.Tensor(unetNormals(rng, dim*n, 1), n, dim)
		for _, fm := range []bool{false, true} {
			m := DefaultMLP(dim, 1)
			if cfg.hidden > 0 {
				m.Hidden, m.Layers = cfg.hidden, 4
			}
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
			bm.Run(fmt.Sprintf("%s/fm=%v", cfg.name, fm), func(bm *testing.B) {
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
}

func finalize(ts []*tensors.Tensor) {
	for _, t := range ts {
		t.FinalizeAll()
	}
}
