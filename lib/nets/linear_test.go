package nets

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// The graph preconditioning (Consistency, Denoiser) must equal the float64 hand formulas, and the consistency
// model must satisfy its boundary condition f(x, σ_min) = x. Tolerance 1e-5 relative: float32 arithmetic on O(1)
// values with a handful of operations.
func TestPreconditioningMatchesHandFormulas(t *testing.T) {
	b := backend.MustNew(nil)
	pre := EDM{SigmaData: 0.5, SigmaMin: 0.002}
	w := LinearParams{W: []float64{0.3, -0.2, 0.5, 0.1}, U: []float64{0.7, -0.4}, B: []float64{0.05, 0.2}}
	store := model.NewStore()
	SetLinear(store, "/net", w)
	x := []float64{0.8, -1.3, 0.1, 2.0, -0.4, 0.6}
	sig := []float64{0.002, 0.7, 30}
	outs, err := model.MustNewExec(b, store, func(root *model.Scope, xn, sn *graph.Node) []*graph.Node {
		return []*graph.Node{pre.Consistency(root.At("net"), Linear{2}, xn, sn), pre.Denoiser(root.At("net"), Linear{2}, xn, sn)}
	}).Call(host.Tensor(x, 3, 2), host.Tensor(sig, 3))
	if err != nil {
		t.Fatal(err)
	}
	f, d := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	for i := 0; i < 3; i++ {
		wantF := pre.LinearConsistency(w, x[2*i:2*i+2], sig[i])
		wantD := pre.LinearDenoiser(w, x[2*i:2*i+2], sig[i])
		for j := 0; j < 2; j++ {
			if math.Abs(float64(f[2*i+j])-wantF[j]) > 1e-5*(1+math.Abs(wantF[j])) {
				t.Errorf("f(x_%d, %v)[%d] = %v, hand formula %v", i, sig[i], j, f[2*i+j], wantF[j])
			}
			if math.Abs(float64(d[2*i+j])-wantD[j]) > 1e-5*(1+math.Abs(wantD[j])) {
				t.Errorf("D(x_%d, %v)[%d] = %v, hand formula %v", i, sig[i], j, d[2*i+j], wantD[j])
			}
		}
	}
	for j := 0; j < 2; j++ { // boundary condition at σ_min
		if float64(f[j]) != float64(float32(x[j])) {
			t.Errorf("f(x, σ_min) = %v, want x = %v", f[j], x[j])
		}
	}
}
