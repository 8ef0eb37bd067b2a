package diffusion

import (
	"math"
	"sort"
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

// The noise law's CDF matches the mixture (1−u)·Φ((x−P_mean)/P_std) + u·(x−ln σ_min)/(ln σ_max−ln σ_min), clamped,
// in Kolmogorov distance over 20,000 draws, for u = 0 (EDM's lognormal) and u = 0.25. Tolerance 0.012: the
// Kolmogorov statistic of 20,000 exact draws exceeds 1.63/√20000 = 0.0115 with probability 1 %.
func TestEDMNoiseLawMixture(t *testing.T) {
	b := backend.MustNew(nil)
	const n = 20000
	for _, u := range []float64{0, 0.25} {
		l := EDMLoss{PMean: -1.2, PStd: 1.2, Uniform: u, SigmaMin: 0.002, SigmaMax: 80}
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(3); err != nil {
			t.Fatal(err)
		}
		out, err := model.CallOnce(b, store, func(root *model.Scope, x *Node) *Node {
			return l.LnSigma(root, x.Graph(), n)
		}, host.Tensor([]float64{0}, 1))
		if err != nil {
			t.Fatal(err)
		}
		x := host.Float64s(out)
		sort.Float64s(x)
		lo, hi := math.Log(0.002), math.Log(80)
		cdf := func(v float64) float64 {
			f := math.Min(1, math.Max(0, (v-lo)/(hi-lo)))
			return (1-u)*0.5*math.Erfc(-(v+1.2)/(1.2*math.Sqrt2)) + u*f
		}
		var ks float64
		for i, v := range x {
			c := cdf(v)
			ks = math.Max(ks, math.Max(math.Abs(c-float64(i)/n), math.Abs(c-float64(i+1)/n)))
		}
		above := n - sort.SearchFloat64s(x, math.Log(40))
		t.Logf("u=%.2f: Kolmogorov distance %.4f; σ > 40 in %d of %d draws (law: %.1f)", u, ks, above, n, n*(1-cdf(math.Log(40))))
		if ks > 0.012 {
			t.Errorf("u=%.2f: Kolmogorov distance %.4f from the mixture law, want ≤ 0.012", u, ks)
		}
	}
}
