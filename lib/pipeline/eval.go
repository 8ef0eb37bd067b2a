package pipeline

import (
	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/metrics"
)

// SampleMetrics are the sample-quality numbers of one sample set against the reference data.
type SampleMetrics struct {
	Energy    float64  `json:"energy"`              // squared energy distance (primary 2D metric; estimator: Evaluator.Unbiased)
	SW2       float64  `json:"sw2"`                 // sliced Wasserstein-2
	FD        float64  `json:"fd"`                  // Fréchet distance (means and covariances only)
	Precision *float64 `json:"precision,omitempty"` // fraction within 3σ of a mode (mixture data)
	Recall    *float64 `json:"recall,omitempty"`    // fraction of modes hit (mixture data)
	FID       *float64 `json:"fid,omitempty"`       // image data: FID (the only metric computed for images)
}

// Evaluator scores samples against a fixed reference set with fixed sampling noise.
type Evaluator struct {
	Ref     []float64 // reference data [n·dim]
	Z, Z2   []float64 // fixed sampler noise [n·dim]
	Dim     int
	SW2Proj int
	Seed    uint64
	GMM     *data.GMM // non-nil for mixture data (mode precision/recall)
	// Unbiased selects the U-statistic energy distance (metrics.EnergyDistanceU; preset eval.energy=u) instead of
	// the V-statistic (metrics.EnergyDistance), whose expectation for equal laws is E|X−X'|/n + E|Y−Y'|/m > 0.
	Unbiased bool
	ref      *energyRef // Ref with its within-set energy pair sum, built on first use

	// Image data: FID of samples [n·dim] against fixed reference statistics; when set, Score computes only it.
	FID     func(x []float64) (float64, error)
	FIDName string // what FID means here (features, reference set), for tables and figures
}

// energyRef is the cached reference set of the energy distance and the slice it was built from.
type energyRef struct {
	*metrics.EnergyRef
	y []float64
}

// Score computes the metrics of samples x [n·dim].
func (e *Evaluator) Score(x []float64) (SampleMetrics, error) {
	var m SampleMetrics
	var err error
	if e.FID != nil {
		f, err := e.FID(x)
		m.FID = &f
		return m, err
	}
	if e.ref == nil || len(e.ref.y) != len(e.Ref) || &e.ref.y[0] != &e.Ref[0] { // Ref's pair sum, once per reference set
		r, err := metrics.NewEnergyRef(e.Ref, e.Dim)
		if err != nil {
			return m, err
		}
		e.ref = &energyRef{EnergyRef: r, y: e.Ref}
	}
	energy := e.ref.V
	if e.Unbiased {
		energy = e.ref.U
	}
	if m.Energy, err = energy(x); err != nil {
		return m, err
	}
	if m.SW2, err = metrics.SlicedW2(x, e.Ref, e.Dim, e.SW2Proj, e.Seed); err != nil {
		return m, err
	}
	if m.FD, err = metrics.FrechetDistance(x, e.Ref, e.Dim); err != nil {
		return m, err
	}
	if e.GMM != nil {
		p, r, err := metrics.ModeCoverage(x, e.Dim, e.GMM.Modes(), e.GMM.ModeStd())
		if err != nil {
			return m, err
		}
		m.Precision, m.Recall = &p, &r
	}
	return m, nil
}

// EnergyEstimator names the preset's energy distance estimator: "v" (V-statistic, the default) or "u".
func (p *Preset) EnergyEstimator() string {
	if p.EvalEnergy == "u" {
		return "u"
	}
	return "v"
}

// MetricFID is the estimator name sweeps and comparisons give image runs, whose scores (in the places 2D runs keep
// energies) are FIDs.
const MetricFID = "fid"

// EnergyLabel is the estimator in words, for tables.
func EnergyLabel(estimator string) string {
	switch estimator {
	case "u":
		return "energy distance² (U-statistic, unbiased)"
	case MetricFID:
		return "FID (MNIST: LeNet features; lower is better)"
	}
	return "energy distance² (V-statistic)"
}

// MetricWord is the score's short name: "energy" or "FID".
func MetricWord(estimator string) string {
	if estimator == MetricFID {
		return "FID"
	}
	return "energy"
}

// EnergyAxis is the y label of a log-scale energy figure (short enough for the axis). Log axes do not draw values
// ≤ 0, which the U-statistic takes near equal laws.
func EnergyAxis(estimator string) string {
	switch estimator {
	case "u":
		return "energy² (U-statistic), log"
	case MetricFID:
		return "FID, log"
	}
	return "energy² (V-statistic), log"
}

// CurvePoint is one evaluation of a post-training run: 1-step and 2-step metrics on EMA weights.
type CurvePoint struct {
	Step int           `json:"step"`
	One  SampleMetrics `json:"one_step"`
	Two  SampleMetrics `json:"two_step"`
}

// FewStep samples 1-step and 2-step from f with the evaluator's fixed noise and scores both.
func (e *Evaluator) FewStep(f flowmap.Func, tMax, tMid float64) (one, two []float64, m1, m2 SampleMetrics, err error) {
	one = flowmap.OneStep(f, e.Z, e.Dim, tMax)
	two = flowmap.TwoStep(f, e.Z, e.Z2, e.Dim, tMax, tMid)
	if m1, err = e.Score(one); err != nil {
		return
	}
	m2, err = e.Score(two)
	return
}
