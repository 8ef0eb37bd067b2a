package fid

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/gocmt/cmt/lib/metrics"
	"github.com/gocmt/cmt/lib/runlog"
	"gonum.org/v1/gonum/mat"
)

// Stats are the first two moments of a set of feature vectors: Mean [Dim], Cov [Dim·Dim] (row-major, unbiased).
type Stats struct {
	Network string    `json:"network"` // which feature network made them (e.g. "lenet-mnist/v1")
	Dataset string    `json:"dataset"` // free-form description of the image set
	N       int       `json:"n"`       // number of images
	Dim     int       `json:"dim"`     // feature dimension
	Mean    []float64 `json:"mean"`
	Cov     []float64 `json:"cov"`
}

// StatsOf computes Stats of features [n·dim] (row-major).
func StatsOf(features []float64, dim int, network, dataset string) (Stats, error) {
	mu, cov, err := metrics.Moments(features, dim)
	if err != nil {
		return Stats{}, err
	}
	s := Stats{Network: network, Dataset: dataset, N: len(features) / dim, Dim: dim, Mean: mu, Cov: make([]float64, dim*dim)}
	for i := 0; i < dim; i++ {
		for j := 0; j < dim; j++ {
			s.Cov[i*dim+j] = cov.At(i, j)
		}
	}
	return s, nil
}

// Distance is the Fréchet distance ‖μa − μb‖² + Tr(Σa + Σb − 2(ΣaΣb)^{1/2}) between two Stats of one network.
func Distance(a, b Stats) (float64, error) {
	if a.Network != b.Network || a.Dim != b.Dim {
		return 0, fmt.Errorf("fid: statistics from different feature networks (%q dim %d vs %q dim %d)", a.Network, a.Dim, b.Network, b.Dim)
	}
	return metrics.FrechetFromMoments(a.Mean, mat.NewSymDense(a.Dim, a.Cov), b.Mean, mat.NewSymDense(b.Dim, b.Cov))
}

// Save writes s as JSON, atomically (a crash leaves either the old file or the new one).
func (s Stats) Save(path string) error { return runlog.WriteJSONAtomic(path, s) }

// Load reads Stats written by Save and checks that they are whole.
func Load(path string) (Stats, error) {
	var s Stats
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("fid: reading reference statistics: %w (delete it to recompute, or compute them with experiments/fidstats)", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("fid: %s is not a statistics file (%v); delete it so it is recomputed", path, err)
	}
	if s.Dim <= 0 || len(s.Mean) != s.Dim || len(s.Cov) != s.Dim*s.Dim || s.N < 2 {
		return s, fmt.Errorf("fid: %s is incomplete (dim %d, %d means, %d covariances, n %d); delete it so it is recomputed",
			path, s.Dim, len(s.Mean), len(s.Cov), s.N)
	}
	return s, nil
}
