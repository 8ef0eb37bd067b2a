package fid

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// TestDistanceGaussians checks Distance against the closed form for diagonal Gaussians,
// ‖μa−μb‖² + Σ_k (√va_k − √vb_k)², from 200k samples: the sampling error of the moments is O(1/√n) ≈ 2e-3
// relative, so 2% of the exact value is a safe bound.
func TestDistanceGaussians(t *testing.T) {
	const n, dim = 200000, 3
	rng := rand.New(rand.NewPCG(1, 2))
	muA, sdA := []float64{0, 1, -1}, []float64{1, 2, 0.5}
	muB, sdB := []float64{0.5, 1, 0}, []float64{1.5, 1, 0.5}
	draw := func(mu, sd []float64) []float64 {
		x := make([]float64, n*dim)
		for i := range x {
			x[i] = mu[i%dim] + sd[i%dim]*rng.NormFloat64()
		}
		return x
	}
	a, err := StatsOf(draw(muA, sdA), dim, "test", "a")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := StatsOf(draw(muB, sdB), dim, "test", "b")
	var want float64
	for k := 0; k < dim; k++ {
		want += (muA[k]-muB[k])*(muA[k]-muB[k]) + (sdA[k]-sdB[k])*(sdA[k]-sdB[k])
	}
	got, err := Distance(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 0.02*want {
		t.Errorf("Distance = %.4f, closed form %.4f", got, want)
	}
	// Save/Load round trip is exact (JSON keeps float64 digits), and a different network is refused.
	path := filepath.Join(t.TempDir(), "ref.json")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	a2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := Distance(a, a2); d > 1e-9 {
		t.Errorf("Distance(a, Load(Save(a))) = %g, want 0", d)
	}
	b.Network = "other"
	if _, err := Distance(a, b); err == nil {
		t.Error("Distance across networks: want an error")
	}
}
