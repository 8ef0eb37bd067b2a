// Package distance holds the per-example distances d(a, b) that CMT and consistency objectives regress with.
package distance

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// Kind names a distance.
type Kind string

const (
	L2Sq        Kind = "l2sq"  // ‖a − b‖², CMT's "MSE" option and MeanFlow's loss
	L2          Kind = "l2"    // ‖a − b‖, CMT's "MAE" option (actually the ℓ2 norm) and ECT with c = 0
	PseudoHuber Kind = "huber" // √(‖a − b‖² + c²) − c (iCT/ECT)
)

// Parse checks a distance name.
func Parse(s string) (Kind, error) {
	switch k := Kind(s); k {
	case L2Sq, L2, PseudoHuber:
		return k, nil
	}
	return "", fmt.Errorf("unknown distance %q: use l2sq, l2 or huber", s)
}

// Of returns d(a, b) per example: a, b are [batch, ...], the result is [batch]. c is the pseudo-Huber constant
// (ignored by the others). The ℓ2 norm is taken as √(‖a−b‖² + 1e-12): its gradient at a = b stays finite.
func Of(kind Kind, c float64, a, b *Node) *Node {
	diff := Sub(a, b)
	axes := make([]int, diff.Rank()-1)
	for i := range axes {
		axes[i] = i + 1
	}
	sq := ReduceSum(Square(diff), axes...)
	switch kind {
	case L2Sq:
		return sq
	case L2:
		return Sqrt(AddScalar(sq, 1e-12))
	case PseudoHuber:
		return AddScalar(Sqrt(AddScalar(sq, c*c)), -c)
	}
	panic(fmt.Sprintf("distance.Of: unknown kind %q", kind))
}

// Host is Of on the host in float64 for one pair of points: the reference the graph version is tested against
// (and the gradient-bias oracle's distance).
func Host(kind Kind, c float64, a, b []float64) float64 {
	var sq float64
	for i := range a {
		sq += (a[i] - b[i]) * (a[i] - b[i])
	}
	switch kind {
	case L2Sq:
		return sq
	case L2:
		return math.Sqrt(sq + 1e-12)
	case PseudoHuber:
		return math.Sqrt(sq+c*c) - c
	}
	panic(fmt.Sprintf("distance.Host: unknown kind %q", kind))
}
