package diffusion

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// EDM's loss for given σ and noise equals the hand computation mean_i λ(σ_i)·mean_d (D(x₀+n, σ_i) − x₀)² with
// λ = (σ²+σ_d²)/(σσ_d)² and a linear backbone (1e-5 relative: float32 graph vs float64 hand).
func TestEDMLossMatchesHandComputation(t *testing.T) {
	b := backend.MustNew(nil)
	pre := nets.EDM{SigmaData: 0.5, SigmaMin: 0.002}
	w := nets.LinearParams{W: []float64{0.9, -0.2, 0.3, 1.1}, U: []float64{0.2, -0.1}, B: []float64{0.05, -0.02}}
	x0 := []float64{0.7, -0.7, 1, 0, -0.3, 0.9}
	sig := []float64{0.05, 1.3, 20}
	n := []float64{0.01, -0.04, 1.2, 0.5, -15, 22}
	var want float64
	for i := 0; i < 3; i++ {
		D := pre.LinearDenoiser(w, []float64{x0[2*i] + n[2*i], x0[2*i+1] + n[2*i+1]}, sig[i])
		lam := (sig[i]*sig[i] + 0.25) / (sig[i] * sig[i] * 0.25)
		want += lam * ((D[0]-x0[2*i])*(D[0]-x0[2*i]) + (D[1]-x0[2*i+1])*(D[1]-x0[2*i+1])) / 2
	}
	want /= 3
	store := model.NewStore()
	nets.SetLinear(store, "/net", w)
	l := EDMLoss{Pre: pre, Net: nets.Linear{Dim: 2}}
	out, err := model.CallOnce(b, store, func(root *model.Scope, a, s, nn *Node) *Node { return l.LossAt(root.At("net"), a, s, nn) },
		host.Tensor(x0, 3, 2), host.Tensor(sig, 3), host.Tensor(n, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	if got := float64(tensors.ToScalar[float32](out)); math.Abs(got-want) > 1e-5*want {
		t.Fatalf("loss %v, hand %v", got, want)
	}
}
