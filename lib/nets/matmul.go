package nets

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"weak"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
)

// Matrix products whose gradients avoid batch-sized transposes on the pure-Go backend.
//
// The backend multiplies without copying only when the left operand's contracting axis is its last (and the right
// operand's is its first or last: compute's dot.LayoutForDotGeneral); otherwise it transposes both operands.
// GoMLX's gradient of a DotGeneral puts the incoming adjoint v on the left, so for y = x·W with x [batch, in] the
// weight gradient contracts v [batch, out] over its leading axis, and the backend transposes v and x, two
// batch-sized copies per layer and step (half of a flow-matching MLP step's time, README Performance).
//
// MatMul2 records the axes of the products it builds, and the gradient registered for DotGeneral (VJPRegistration,
// which GoMLX lets a program replace) builds their gradients from products in layouts the backend takes as they
// are: of the ways to write each gradient it takes the one that copies the fewest elements (a weight-sized
// transpose instead of a batch-sized one where it can). The products are the same sums, so values agree with
// GoMLX's gradient to float rounding (tests to first and second order). Products not built by MatMul2 keep GoMLX's
// gradient. DotVJPEnv=gomlx turns the rewrite off (A/B benchmarks).

// DotVJPEnv names the environment variable that, set to "gomlx", keeps GoMLX's own DotGeneral gradient for
// MatMul2's products too (read once, at start).
const DotVJPEnv = "CMT_DOT_VJP"

// dotAxes are a recorded product's contracting axes: la of its left operand, rb of its right one (0 or 1).
type dotAxes struct{ la, rb int }

// dotTable maps the products built by MatMul2 to their axes. Keys are weak, and an entry is removed when its node
// is collected, so graphs built and dropped (a notebook rebuilds many) leave nothing behind.
var dotTable sync.Map // weak.Pointer[Node] → dotAxes

var gomlxDotVJP = VJPRegistration[NodeTypeDotGeneral]

func init() {
	if os.Getenv(DotVJPEnv) == "gomlx" {
		return
	}
	VJPRegistration[NodeTypeDotGeneral] = func(node *Node, vs []*Node, out shapes.Shape) []*Node {
		if a, ok := dotTable.Load(weak.Make(node)); ok {
			return dotVJP(node, vs[0], a.(dotAxes))
		}
		return gomlxDotVJP(node, vs, out)
	}
}

// MatMul2 is the product of two matrices contracting a's axis la with b's axis rb (each 0 or 1): a·b for
// (1, 0), aᵀ·b for (0, 0), a·bᵀ for (1, 1), aᵀ·bᵀ for (0, 1). The result is [a's other axis, b's other axis].
func MatMul2(a *Node, la int, b *Node, rb int) *Node {
	if a.Rank() != 2 || b.Rank() != 2 || la < 0 || la > 1 || rb < 0 || rb > 1 {
		panic(fmt.Sprintf("nets.MatMul2: want two matrices and axes 0 or 1, got %s axis %d and %s axis %d", a.Shape(), la, b.Shape(), rb))
	}
	y := DotGeneral(a, []int{la}, nil, b, []int{rb}, nil)
	key := weak.Make(y)
	dotTable.Store(key, dotAxes{la, rb})
	runtime.AddCleanup(y, func(k weak.Pointer[Node]) { dotTable.Delete(k) }, key)
	return y
}

// XW is x·W for x [..., in] and W [in, out] → [..., out], as one MatMul2 over x's leading axes flattened (a free
// reshape in row-major order).
func XW(x, w *Node) *Node {
	d := x.Shape().Dimensions
	if len(d) == 2 {
		return MatMul2(x, 1, w, 0)
	}
	rows := 1
	for _, n := range d[:len(d)-1] {
		rows *= n
	}
	out := append(append([]int(nil), d[:len(d)-1]...), w.Shape().Dimensions[1])
	return Reshape(MatMul2(Reshape(x, rows, d[len(d)-1]), 1, w, 0), out...)
}

// dotVJP is the gradient of y = MatMul2(A, la, B, rb) for the adjoint v [n, m] (n, m: A's and B's other axes; k the
// contracted length). With A read as [n, k] and B as [k, m]:
//
//	∂A = v·Bᵀ  (summing over m),   ∂B = Aᵀ·v  (summing over n),
//
// each written as a MatMul2 whose left operand contracts its last axis, transposing whichever operands (or the
// result) copy the fewest elements.
func dotVJP(node, v *Node, a dotAxes) []*Node {
	A, B := node.Inputs()[0], node.Inputs()[1]
	n, m := v.Shape().Dimensions[0], v.Shape().Dimensions[1]
	k := A.Shape().Dimensions[a.la]
	var dA, dB *Node

	// ∂A. Either v [n, m] · B over m (B contracts its axis 1−rb, first or last: both layouts are native) → [n, k],
	// transposed when A is [k, n]; or B as [k, m] · v over m (v contracts its last axis) → [k, n], with B
	// transposed when it is [m, k] and the result when A is [n, k].
	if dABranch(n, k, m, a) == "vB" {
		dA = MatMul2(v, 1, B, 1-a.rb)
		if a.la == 0 {
			dA = Transpose(dA, 0, 1)
		}
	} else {
		dA = MatMul2(asRows(B, a.rb), 1, v, 1)
		if a.la == 1 {
			dA = Transpose(dA, 0, 1)
		}
	}

	// ∂B. Either A as [k, n] · v over n (v contracts its first axis) → [k, m], with A transposed when it is [n, k]
	// and the result when B is [m, k]; or vᵀ [m, n] · A over n → [m, k], transposed when B is [k, m].
	if dBBranch(n, k, m, a) == "Av" {
		dB = MatMul2(asRows(A, a.la), 1, v, 0)
		if a.rb == 1 {
			dB = Transpose(dB, 0, 1)
		}
	} else {
		dB = MatMul2(Transpose(v, 0, 1), 1, A, 1-a.la)
		if a.rb == 0 {
			dB = Transpose(dB, 0, 1)
		}
	}
	return []*Node{dA, dB}
}

// dABranch is the cheaper way to write ∂A: "vB" (v·B, the result transposed when A is [k, n]) or "Bv" (B as
// [k, m] times v, the result transposed when A is [n, k]); a tie goes to "vB".
func dABranch(n, k, m int, a dotAxes) string {
	if cost(a.la == 0, n*k) <= cost(a.rb == 1, k*m)+cost(a.la == 1, n*k) {
		return "vB"
	}
	return "Bv"
}

// dBBranch is the cheaper way to write ∂B: "Av" (A as [k, n] times v, the result transposed when B is [m, k]) or
// "vA" (vᵀ·A, the result transposed when B is [k, m]); a tie goes to "Av".
func dBBranch(n, k, m int, a dotAxes) string {
	if cost(a.la == 1, n*k)+cost(a.rb == 1, k*m) <= n*m+cost(a.rb == 0, k*m) {
		return "Av"
	}
	return "vA"
}

// asRows is the matrix x with its contracted axis (axis) first: x itself when axis is 0, else its transpose.
func asRows(x *Node, axis int) *Node {
	if axis == 0 {
		return x
	}
	return Transpose(x, 0, 1)
}

// cost is size when the condition holds (a copy of that many elements), else 0.
func cost(copies bool, size int) int {
	if copies {
		return size
	}
	return 0
}
