package pipeline

import (
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/train"
)

// scorer evaluates a stage's EMA model with the run's sampler family, from the evaluator's fixed noise:
//
//	consistency model on EDM time   1 step f(σ_max·z, σ_max); 2 steps re-noised to t_mid (flowmap.TwoStep)
//	flow map on flow-matching time  Ψ over the grids [1, 0] and [1, t_mid, 0] (flowmap.MapSample)
//
// The returned function gives the 1-step samples (flat [n·dim]) and the 1- and 2-step scores.
func (r *Run) scorer(st *train.Stage) func(tMid float64) (one []float64, m1, m2 SampleMetrics, err error) {
	if r.P.FlowMap() {
		psi := flowmap.HostMap(st.EMAFunc2(r.psiFwd))
		return func(tMid float64) ([]float64, SampleMetrics, SampleMetrics, error) { return r.evalMap(psi, tMid) }
	}
	f := r.hostFn(st.EMAFunc())
	return func(tMid float64) (one []float64, m1, m2 SampleMetrics, err error) {
		one, _, m1, m2, err = r.Eval.FewStep(f, r.P.SigmaMax, tMid)
		return
	}
}

// evalMap scores the 1-step and 2-step samples (through tMid) of a flow map from the evaluator's fixed noise at
// t = 1; x1 are the 1-step samples.
func (r *Run) evalMap(m flowmap.HostMap, tMid float64) (x1 []float64, one, two SampleMetrics, err error) {
	dim := r.Data.Dim()
	if x1, err = flowmap.MapSample(m, r.Eval.Z, dim, []float64{1, 0}); err != nil {
		return
	}
	x2, err := flowmap.MapSample(m, r.Eval.Z, dim, []float64{1, tMid, 0})
	if err != nil {
		return
	}
	if one, err = r.Eval.Score(x1); err != nil {
		return
	}
	two, err = r.Eval.Score(x2)
	return
}
