package flowmap

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// JVPMode chooses how a Jacobian-vector product is taken.
type JVPMode string

const (
	// JVPExact is the exact forward-mode derivative, computed as a double VJP (GoMLX has no forward mode).
	JVPExact JVPMode = "exact"
	// JVPFiniteDiff is a central finite difference (f(p + εṗ) − f(p − εṗ))/(2ε): second order in ε, three
	// forward passes, no second derivatives.
	JVPFiniteDiff JVPMode = "fd"
)

// ParseJVPMode checks a JVP mode name.
func ParseJVPMode(s string) (JVPMode, error) {
	switch m := JVPMode(s); m {
	case JVPExact, JVPFiniteDiff:
		return m, nil
	}
	return "", fmt.Errorf("unknown JVP mode %q: use exact or fd", s)
}

// JVP returns f(p) and the Jacobian-vector product J_f(p)·ṗ = d/dε f(p + ε·ṗ) at ε = 0, for a graph function f
// of several inputs (primals p, each with the matching tangent ṗ of the same shape; a nil tangent means zero).
// The result is not differentiated further by callers that wrap it in StopGradient (MeanFlow's target).
//
// Exact mode, as a double VJP: with a cotangent w of f's shape, g(w) = Σ_i ⟨(∂f/∂p_i)ᵀ w, ṗ_i⟩ = ⟨w, J·ṗ⟩ is
// linear in w, so ∂g/∂w = J·ṗ. Two GoMLX traps are avoided: the primals are fresh nodes (Identity), and w is
// 0·StopGradient(f), a zero that the graph cannot fold into a constant (with ZerosLike the gradient is 0).
// The network must be twice differentiable (nets.MLP is; GoMLX's fused Dense and Swish are not).
//
// FiniteDiff mode: (f(p + εṗ) − f(p − εṗ))/(2ε), with error O(ε²·‖∂³f‖) + O(δ‖f‖/ε) for float32 rounding δ.
func JVP(f func(p []*Node) *Node, primals, tangents []*Node, mode JVPMode, eps float64) (out, jvp *Node) {
	if len(primals) != len(tangents) {
		panic(fmt.Sprintf("flowmap.JVP: %d primals but %d tangents", len(primals), len(tangents)))
	}
	switch mode {
	case JVPExact:
		ins := make([]*Node, len(primals))
		for i, p := range primals {
			ins[i] = Identity(p)
		}
		out = f(ins)
		w := MulScalar(StopGradient(out), 0)
		vjp := Gradient(ReduceAllSum(Mul(w, out)), ins...)
		var g *Node
		for i, tan := range tangents {
			if tan == nil {
				continue
			}
			term := ReduceAllSum(Mul(vjp[i], tan))
			if g == nil {
				g = term
			} else {
				g = Add(g, term)
			}
		}
		if g == nil {
			return out, ZerosLike(out)
		}
		return out, Gradient(g, w)[0]
	case JVPFiniteDiff:
		shifted := func(sign float64) *Node {
			ps := make([]*Node, len(primals))
			for i, p := range primals {
				ps[i] = p
				if tangents[i] != nil {
					ps[i] = Add(p, MulScalar(tangents[i], sign*eps))
				}
			}
			return f(ps)
		}
		out = f(primals)
		return out, DivScalar(Sub(shifted(1), shifted(-1)), 2*eps)
	}
	panic(fmt.Sprintf("flowmap.JVP: unknown mode %q", mode))
}
