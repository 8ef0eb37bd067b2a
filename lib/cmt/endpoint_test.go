package cmt

import (
	"testing"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/solver"
)

// The endpoint-only ablation must keep exactly one pair per trajectory: its start x_T at time T, targeted at the
// same clean end x̂_{t_0} that FromTrajectory uses for every point of that trajectory. Checked bit for bit against
// FromTrajectory's first block (pairs are laid out state by state, so its first n pairs are the x_T ones), so the
// two ablation arms differ only in which trajectory points they train on.
func TestEndpointOnlyKeepsTheStartPairOfEachTrajectory(t *testing.T) {
	gmm := data.EightGaussians(data.DefaultRadius, data.DefaultStd)
	n, dim := 5, 2
	xT := []float64{80, 0, -40, 12, 3, -77, 0.5, 0.5, -10, 60}
	tr, err := solver.DPMSolverPP(gmm, xT, dim, solver.LogSNRGrid(80, 0.002, 8), 3, true)
	if err != nil {
		t.Fatal(err)
	}
	all, err := FromTrajectory(tr)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := EndpointOnly(tr)
	if err != nil {
		t.Fatal(err)
	}
	if ep.N() != n || ep.Dim != dim || len(ep.X) != n*dim || len(ep.Target) != n*dim {
		t.Fatalf("want %d pairs of dim %d, got N=%d dim=%d len(X)=%d len(Target)=%d", n, dim, ep.N(), ep.Dim, len(ep.X), len(ep.Target))
	}
	for i := range n {
		if ep.T[i] != 80 || ep.T[i] != all.T[i] {
			t.Fatalf("pair %d: time %v, want T = 80", i, ep.T[i])
		}
		for d := range dim {
			k := i*dim + d
			if ep.X[k] != float32(xT[k]) || ep.X[k] != all.X[k] {
				t.Fatalf("pair %d: input %v is not x_T = %v", i, ep.X[k], xT[k])
			}
			if ep.Target[k] != all.Target[k] || ep.Target[k] != float32(tr.End()[k]) {
				t.Fatalf("pair %d: target %v is not the trajectory's clean end %v", i, ep.Target[k], tr.End()[k])
			}
		}
	}
}

// A trajectory with no step has no pair to give: an error, as FromTrajectory gives.
func TestEndpointOnlyRejectsEmptyTrajectory(t *testing.T) {
	if _, err := EndpointOnly(&solver.Trajectory{Dim: 2, Times: []float64{80}, States: [][]float64{{1, 2}}}); err == nil {
		t.Fatal("want an error for a single-state trajectory")
	}
}
