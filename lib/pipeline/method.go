package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/gocmt/cmt/lib/train"
)

// A PostMethod is one stage-3 objective as the pipeline runs it: a Method with a name and a time convention.
// Posttrain does the rest, the same for every method: the stage and its checkpoints, the evaluations with the
// run's sampler family, frames, the curve and the summary row. Adding a method is one file implementing
// PostMethod plus its line in PostMethods; it then runs from the CLI (-set post.method=name), in sweeps and in
// notebooks.
type PostMethod interface {
	Method
	// FlowMap is true for a two-time flow map h(x, t, s) on flow-matching time (it needs pre.objective = fm) and
	// false for a consistency model f(x, t) on EDM time.
	FlowMap() bool
	// Name is the method as stage names and the summary show it ("ect", "ecd-heun", "meanflow", ...).
	Name(p Preset) string
}

// PostMethods are the post-training methods by post.method name ("" is ect).
var PostMethods = map[string]PostMethod{
	"ect":      ectMethod{},
	"meanflow": meanFlowMethod{},
	"lmd":      meanFlowMethod{lmd: true},
	"ict":      ictMethod{},
}

// postMethod is the preset's method (Validate has checked the name).
func (p *Preset) postMethod() PostMethod {
	if m, ok := PostMethods[p.PostMethod]; ok {
		return m
	}
	return PostMethods["ect"]
}

// methodNames lists PostMethods' names, sorted.
func methodNames() string {
	var names []string
	for n := range PostMethods {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// postLabel is the stage's name in messages and summary stage times: "post-training from cmt" for ECT (and
// ECD), "<method> post-training from cmt" for the others.
func (p *Preset) postLabel(init string) string {
	if n := p.postMethod().Name(*p); n != "ect" && !strings.HasPrefix(n, "ecd") {
		return n + " post-training from " + init
	}
	return "post-training from " + init
}

// Posttrain is stage 3 from one initialisation ("cmt", "diffusion" or "scratch") with the preset's post.method
// and that init's recipe: every eval.every steps the EMA model's 1- and 2-step samples are scored, a frame kept,
// and the curve checkpointed with the weights; at the end the summary gains the init's row.
func (r *Run) Posttrain(ctx context.Context, init string) error {
	p := r.P.ForInit(init)
	m := p.postMethod()
	name := m.Name(p)
	var curve []CurvePoint
	evaluate := func(st *train.Stage) error { // after Prepare: the curve so far, and an evaluation at each checkpoint
		if st.Extra != nil {
			if err := json.Unmarshal(st.Extra, &curve); err != nil {
				return fmt.Errorf("%s: curve in checkpoint: %w", st.Name, err)
			}
		}
		score := r.scorer(st)
		st.OnCheckpoint = func(step int) (any, error) {
			one, m1, m2, err := score(p.TMid)
			if err != nil {
				return nil, err
			}
			if err := r.saveFrame(st.Name, step, one, m1); err != nil {
				return nil, err
			}
			r.evaluated(st.Name, step, m1)
			curve = append(curve, CurvePoint{Step: step, One: m1, Two: m2})
			rec := map[string]any{"stage": st.Name, "step": step, "eval": true, "energy_1step": m1.Energy,
				"energy_2step": m2.Energy, "sw2_1step": m1.SW2, "fd_1step": m1.FD, "fd_2step": m2.FD}
			if m1.FID != nil {
				rec = map[string]any{"stage": st.Name, "step": step, "eval": true, "fid_1step": *m1.FID, "fid_2step": *m2.FID}
			}
			_ = r.Log.Write(rec)
			return curve, nil
		}
		return nil
	}
	st, err := r.Train(ctx, postStage(name, init), m, p, train.Config{Steps: p.PostSteps, LR: p.PostLR,
		LinearDecay: p.PostSchedule == "linear", Beta2: p.PostBeta2, EMA: p.PostEMA, CheckpointEvery: p.EvalEvery},
		init, evaluate)
	if st != nil {
		r.Post[init] = st
	}
	if err != nil {
		return err
	}
	r.Summary.Posttrain = append(r.Summary.Posttrain, postRow(init, name, st.Step, curve))
	return nil
}

// postStage is the stage name (and checkpoint name) of post-training with method from init: post_<method>_<init>.
func postStage(method, init string) string { return "post_" + method + "_" + init }

// postRow is the summary row of one post-training run from its evaluation curve.
func postRow(init, method string, steps int, curve []CurvePoint) PostRow {
	last := curve[len(curve)-1]
	row := PostRow{Init: init, Method: method, Steps: steps, Energy1: last.One.Energy, Energy2: last.Two.Energy,
		SW21: last.One.SW2, FD1: last.One.FD, FD2: last.Two.FD, Start: curve[0], Final: last,
		FID1: last.One.FID, FID2: last.Two.FID}
	for _, c := range curve {
		v1, v2 := c.One.Energy, c.Two.Energy
		if c.One.FID != nil {
			v1, v2 = *c.One.FID, *c.Two.FID
		}
		row.Curve = append(row.Curve, [4]float64{float64(c.Step), v1, v2, c.One.FD})
	}
	return row
}
