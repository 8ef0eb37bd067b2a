package pipeline

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/metrics"
)

// TestEnergyEstimator checks the eval.energy key: v is the default (every existing preset keeps the V-statistic),
// u selects the U-statistic, anything else is refused; the Evaluator scores with the chosen estimator, and a
// second reference set (a new Ref slice) is not scored against the cached pair sum of the first.
func TestEnergyEstimator(t *testing.T) {
	for _, name := range []string{"toy2d", "toy2d-mf"} {
		if p, _ := Lookup(name); p.EnergyEstimator() != "v" {
			t.Errorf("%s: estimator %q, want v", name, p.EnergyEstimator())
		}
	}
	if p, _ := Lookup("toy2d-checker"); p.EnergyEstimator() != "u" {
		t.Errorf("toy2d-checker: estimator %q, want u", p.EnergyEstimator())
	}
	p, _ := Lookup("toy2d")
	if err := p.Set("eval.energy=w"); err == nil || !strings.Contains(err.Error(), "eval.energy") {
		t.Errorf("eval.energy=w: err = %v", err)
	}
	if err := p.Set("eval.energy=u"); err != nil || p.EnergyEstimator() != "u" {
		t.Errorf("eval.energy=u: estimator %q, err %v", p.EnergyEstimator(), err)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	ds := data.Checkerboard()
	ref, x := ds.Sample(rng, 300), ds.Sample(rng, 200)
	for _, unbiased := range []bool{false, true} {
		e := &Evaluator{Ref: ref, Dim: 2, SW2Proj: 8, Seed: 1, Unbiased: unbiased}
		want := metrics.EnergyDistance
		if unbiased {
			want = metrics.EnergyDistanceU
		}
		for k, r := range [][]float64{ref, ds.Sample(rng, 250)} {
			e.Ref = r
			m, err := e.Score(x)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := want(x, r, 2)
			if m.Energy != w {
				t.Errorf("unbiased %v, reference set %d: energy %g, want %g", unbiased, k, m.Energy, w)
			}
		}
	}
}
