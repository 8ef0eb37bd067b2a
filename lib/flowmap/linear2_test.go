package flowmap

import (
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// linear2 is a two-time linear backbone for hand computations, F(x, c₁, c₂) = x·W + c₁·a + c₂·d + b: nets.Linear
// (W, a = U, b = B) plus a weight d [dim] on the second time input, so that a flow map's dependence on s is tested.
type linear2 struct{ Dim int }

func (l linear2) Apply(scope *model.Scope, x *Node, cs ...*Node) *Node {
	d := scope.VariableWithShape("d", shapes.Make(dtypes.Float32, l.Dim)).NodeValue(x.Graph())
	return Add(nets.Linear{Dim: l.Dim}.Apply(scope, x, cs[0]), Mul(ExpandAxes(cs[1], -1), ExpandAxes(d, 0)))
}

// setLinear2 writes (w, d) under prefix.
func setLinear2(store *model.Store, prefix string, w nets.LinearParams, d []float64) {
	nets.SetLinear(store, prefix, w)
	if v := store.GetVariable(prefix + "/d"); v != nil {
		v.MustSetValue(host.Tensor(d, len(d)))
		return
	}
	if _, err := store.CreateVariable(prefix+"/d", host.Tensor(d, len(d))); err != nil {
		panic(err)
	}
}

// apply2 is linear2 on one point in float64.
func apply2(w nets.LinearParams, d, x []float64, c1, c2 float64) []float64 {
	dim := len(x)
	out := make([]float64, dim)
	for j := 0; j < dim; j++ {
		out[j] = c1*w.U[j] + c2*d[j] + w.B[j]
		for i := 0; i < dim; i++ {
			out[j] += x[i] * w.W[i*dim+j]
		}
	}
	return out
}
