package pipeline

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gocmt/cmt/lib/plots"
	"github.com/gocmt/cmt/lib/solver"
	"github.com/gocmt/cmt/lib/train"
)

// TeacherPoint is one evaluation of the teacher during pre-training (eval.pre_every): after Step optimisation
// steps and Seconds of training wall time (compilation included, the evaluations themselves excluded), its EMA
// weights' samples — Samples draws of x_T = T·ε solved with mid.solver in mid.solver_steps steps — scored as
// Metrics (FID on images; energy, SW2, FD on 2D data).
type TeacherPoint struct {
	Step    int           `json:"step"`
	Seconds float64       `json:"seconds"`
	Samples int           `json:"samples"`
	Metrics SampleMetrics `json:"metrics"`
}

// watchTeacher makes pre-training evaluate the teacher at every checkpoint (every eval.pre_every steps and at the
// end): the curve so far is kept in the checkpoint, so a resumed or adopted stage keeps it, and r.teacherCurve
// holds it for the summary. The evaluation draws from its own random stream: the training numbers do not change.
func (r *Run) watchTeacher(st *train.Stage) error {
	var curve []TeacherPoint
	if st.Extra != nil {
		if err := json.Unmarshal(st.Extra, &curve); err != nil {
			return fmt.Errorf("%s: teacher curve in checkpoint: %w", st.Name, err)
		}
	}
	r.teacherCurve = curve
	var before float64 // training seconds of earlier processes
	if len(curve) > 0 {
		before = curve[len(curve)-1].Seconds
	}
	start := time.Now()
	var evaluating time.Duration
	st.OnCheckpoint = func(step int) (any, error) {
		if step == 0 {
			return curve, nil
		}
		trained := before + (time.Since(start) - evaluating).Seconds()
		t0 := time.Now()
		pt, err := r.scoreTeacher(st, step)
		evaluating += time.Since(t0)
		if err != nil {
			return nil, err
		}
		pt.Seconds = trained
		curve = append(curve, pt)
		r.teacherCurve = curve
		rec := map[string]any{"stage": st.Name, "step": step, "eval": true, "seconds": trained, "samples": pt.Samples}
		if pt.Metrics.FID != nil {
			rec["fid"] = *pt.Metrics.FID
		} else {
			rec["energy"] = pt.Metrics.Energy
		}
		_ = r.Log.Write(rec)
		return curve, nil
	}
	return nil
}

// scoreTeacher samples the stage's EMA weights as the teacher solver would (eval.pre_samples draws) and scores them.
func (r *Run) scoreTeacher(st *train.Stage, step int) (TeacherPoint, error) {
	p, dim := r.P, r.Data.Dim()
	n := p.EvalPreSamples
	if n == 0 {
		n = 1000
	}
	xT := normal(r.rngFor(streamTeacherCurve, uint64(step)), n*dim)
	for i := range xT {
		xT[i] *= p.SigmaMax
	}
	traj, err := r.Solve(solver.DenoiserFunc(r.hostFn(st.EMAFunc())), xT)
	if err != nil {
		return TeacherPoint{}, err
	}
	m, err := r.Eval.Score(traj.End())
	return TeacherPoint{Step: step, Samples: n, Metrics: m}, err
}

// TeacherSeries is a teacher curve as FID (or, on 2D data, energy distance) against training wall seconds.
func TeacherSeries(name string, curve []TeacherPoint) plots.Series {
	s := plots.Series{Name: name}
	for _, c := range curve {
		y := c.Metrics.Energy
		if c.Metrics.FID != nil {
			y = *c.Metrics.FID
		}
		s.X, s.Y = append(s.X, c.Seconds), append(s.Y, y)
	}
	return s
}
