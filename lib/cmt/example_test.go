package cmt_test

import (
	"fmt"
	"io"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/cmt"
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// The CMT loss regresses the student's consistency function f_θ(x̂_{t_i}, t_i) (EDM preconditioning around the
// backbone) onto the clean end x̂₀ of the teacher trajectory the point lies on: a plain regression, no stop-gradient.
// With a zero linear backbone f(x, t) = c_skip(t)·x, so the loss can be checked by hand: the consistency
// c_skip(t) = σ_d²/((t − σ_min)² + σ_d²) is 0.25/1.246 = 0.2006 at t = 1 (σ_d = 0.5, σ_min = 0.002), and 1 at
// t = σ_min (f(x, σ_min) = x).
func ExampleLoss() {
	loss := cmt.Loss{Pre: nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}, Net: nets.Linear{Dim: 2}, Distance: distance.L2Sq}
	store := model.NewStore()
	nets.SetLinear(store, "/net", nets.LinearParams{W: make([]float64, 4), U: make([]float64, 2), B: make([]float64, 2)})
	exec := model.MustNewExec(backend.MustNew(io.Discard), store, func(root *model.Scope, xt, t, x0hat *Node) *Node {
		return loss.Of(root.At("net"), xt, t, x0hat)
	})
	xt := host.Tensor([]float64{1, 2, 0.5, -0.5}, 2, 2) // two trajectory points x̂_{t_i} [batch 2, dim 2]
	t := host.Tensor([]float64{1, 0.002}, 2)            // their times t_i
	x0hat := host.Tensor([]float64{0, 1, 0.5, -0.5}, 2, 2)
	out, err := exec.Call(xt, t, x0hat)
	if err != nil {
		panic(err)
	}
	// By hand: ‖0.2006·(1, 2) − (0, 1)‖² = 0.0403 + 0.3585 = 0.3988 for the first point, 0 for the second;
	// the mean over the batch is 0.1994.
	fmt.Printf("L_CMT = %.4f\n", tensors.ToScalar[float32](out[0]))
	// Output:
	// L_CMT = 0.1994
}
