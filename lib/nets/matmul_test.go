package nets

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// MatMul2's rewritten gradient equals GoMLX's own (a plain DotGeneral with the same axes) to first and second
// order, for every pair of contracting axes and for shapes that take each of the two ways of writing ∂A and ∂B.
// Checked: the product, ∂L/∂A and ∂L/∂B of L = Σ C ⊙ tanh(y), and the gradient of G = Σ (∂L/∂A)² + Σ (∂L/∂B)²
// (second order, through the rewritten gradient's own products). Tolerance 2e-5 of the largest entry: both sides
// are float32 sums of at most 40 products of O(1) terms, in different orders.
func TestMatMul2GradientMatchesGoMLX(t *testing.T) {
	b := backend.MustNew(nil)
	rng := unetRNG(11)
	branches := map[string]bool{}
	for _, nkm := range [][3]int{{40, 6, 3}, {5, 7, 30}, {6, 30, 5}, {8, 8, 8}} {
		n, k, m := nkm[0], nkm[1], nkm[2]
		for _, ax := range [][2]int{{1, 0}, {0, 0}, {1, 1}, {0, 1}} {
			la, rb := ax[0], ax[1]
			aDims, bDims := []int{n, k}, []int{k, m}
			if la == 0 {
				aDims = []int{k, n}
			}
			if rb == 1 {
				bDims = []int{m, k}
			}
			A := host.Tensor(unetNormals(rng, n*k, 1), aDims...)
			B := host.Tensor(unetNormals(rng, k*m, 1), bDims...)
			C := host.Tensor(unetNormals(rng, n*m, 1), n, m)
			run := func(rewritten bool) [][]float64 {
				out, err := model.CallOnceN(b, model.NewStore(), func(_ *model.Scope, in []*Node) []*Node {
					a, bb, c := in[0], in[1], in[2]
					var y *Node
					if rewritten {
						y = MatMul2(a, la, bb, rb)
					} else {
						y = DotGeneral(a, []int{la}, nil, bb, []int{rb}, nil)
					}
					L := ReduceAllSum(Mul(c, Tanh(y)))
					d := Gradient(L, a, bb)
					G := Add(ReduceAllSum(Square(d[0])), ReduceAllSum(Square(d[1])))
					return append(append([]*Node{y}, d...), Gradient(G, a, bb)...)
				}, A, B, C)
				if err != nil {
					t.Fatal(err)
				}
				vals := make([][]float64, len(out))
				for i, o := range out {
					vals[i] = host.Float64s(o)
				}
				return vals
			}
			got, want := run(true), run(false)
			for i, name := range []string{"y", "∂L/∂A", "∂L/∂B", "∂G/∂A", "∂G/∂B"} {
				scale, worst := 0.0, 0.0
				for j := range want[i] {
					scale = math.Max(scale, math.Abs(want[i][j]))
					worst = math.Max(worst, math.Abs(got[i][j]-want[i][j]))
				}
				if worst > 2e-5*scale {
					t.Errorf("n,k,m = %d,%d,%d, axes (%d, %d): %s differs by %.3g (largest entry %.3g)", n, k, m, la, rb, name, worst, scale)
				}
			}
			branches[dABranch(n, k, m, dotAxes{la, rb})] = true
			branches[dBBranch(n, k, m, dotAxes{la, rb})] = true
		}
	}
	if len(branches) != 4 {
		t.Errorf("the shapes took the branches %v, want all four", branches)
	}
}

// XW on a rank-3 x equals MatMul (values and gradients, 1e-5 of the largest entry: float32 sums of 12 products).
func TestXWRank3(t *testing.T) {
	b := backend.MustNew(nil)
	rng := unetRNG(12)
	x, w := host.Tensor(unetNormals(rng, 2*5*12, 1), 2, 5, 12), host.Tensor(unetNormals(rng, 12*7, 1), 12, 7)
	c := host.Tensor(unetNormals(rng, 2*5*7, 1), 2, 5, 7)
	run := func(xw bool) []*tensors.Tensor {
		out, err := model.CallOnceN(b, model.NewStore(), func(_ *model.Scope, in []*Node) []*Node {
			y := MatMul(in[0], in[1])
			if xw {
				y = XW(in[0], in[1])
			}
			return append([]*Node{y}, Gradient(ReduceAllSum(Mul(in[2], Tanh(y))), in[0], in[1])...)
		}, x, w, c)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	got, want := run(true), run(false)
	for i := range want {
		g, w := host.Float64s(got[i]), host.Float64s(want[i])
		if len(g) != len(w) || !got[i].Shape().Equal(want[i].Shape()) {
			t.Fatalf("output %d: shape %s, want %s", i, got[i].Shape(), want[i].Shape())
		}
		for j := range w {
			if math.Abs(g[j]-w[j]) > 1e-5*(1+math.Abs(w[j])) {
				t.Fatalf("output %d entry %d: %v, want %v", i, j, g[j], w[j])
			}
		}
	}
}
