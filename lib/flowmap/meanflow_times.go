package flowmap

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// TimeOrder is the order of MeanFlow's two post-processing steps of the (t, r) draw.
type TimeOrder string

const (
	// OrderV0 (the paper's): t, r ← max(a, b), min(a, b), then r ← t with probability 1 − ratio.
	OrderV0 TimeOrder = "v0"
	// OrderV1 (the improved recipe): r ← t with probability 1 − ratio, then r ← min(t, r); t keeps its own
	// logit-normal law.
	OrderV1 TimeOrder = "v1"
)

// ParseTimeOrder checks a (t, r) ordering name.
func ParseTimeOrder(s string) (TimeOrder, error) {
	switch o := TimeOrder(s); o {
	case OrderV0, OrderV1:
		return o, nil
	}
	return "", fmt.Errorf("unknown (t, r) ordering %q: use v0 (paper) or v1", s)
}

// TimeSampler draws MeanFlow's two times on flow-matching time: a = sigmoid(N(PMeanT, PStdT²)) and
// b = sigmoid(N(PMeanR, PStdR²)) independently (logit-normal), post-processed by Order so that r ≤ t, with a
// fraction 1 − Ratio of the pairs on the diagonal r = t (where the MeanFlow loss is plain flow matching).
type TimeSampler struct {
	PMeanT, PStdT float64
	PMeanR, PStdR float64
	Ratio         float64 // probability that r ≠ t before the ordering step (0.75 on CIFAR-10, 0.25 on ImageNet)
	Order         TimeOrder
}

// Sample draws t, r [batch] from the scope's random stream.
func (ts TimeSampler) Sample(scope *model.Scope, g *Graph, batch int) (t, r *Node) {
	sh := shapes.Make(dtypes.Float32, batch)
	a := Sigmoid(AddScalar(MulScalar(scope.RandomNormal(g, sh), ts.PStdT), ts.PMeanT))
	b := Sigmoid(AddScalar(MulScalar(scope.RandomNormal(g, sh), ts.PStdR), ts.PMeanR))
	diag := LessThan(scope.RandomUniform(g, sh), ConstAs(a, 1-ts.Ratio))
	return ts.Order.apply(a, b, diag)
}

// apply post-processes the raw draws a (for t) and b (for r) with the diagonal mask diag [batch] (bool).
func (o TimeOrder) apply(a, b, diag *Node) (t, r *Node) {
	switch o {
	case OrderV1:
		t = a
		r = Min(t, Where(diag, t, b))
	default: // OrderV0
		t, r = Max(a, b), Min(a, b)
		r = Where(diag, t, r)
	}
	return t, r
}
