package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocmt/cmt/lib/train"
)

// TMidScore is one model's 2-step score with the sampler through one intermediate time t_mid.
type TMidScore struct {
	TMid  float64       `json:"t_mid"`
	Two   SampleMetrics `json:"two"`
	Value float64       `json:"value"` // the headline number of Two: FID for images, the energy otherwise
}

// TwoStepByTMid scores the finished model of init with the 2-step sampler at every t_mid in tMids, without training:
// init "none" is the student as it leaves mid-training, any other init that init's post-training run. It loads the
// stage's final weights (EMA) from this run's checkpoint and samples from the evaluator's fixed noise, as the
// training-time evaluations do; so t_mid can be chosen on a finished run, where a change of eval.t_mid in the
// settings would retrain post-training (its curve depends on it). The stage must have run to its last step.
func (r *Run) TwoStepByTMid(init string, tMids []float64) ([]TMidScore, error) {
	st, err := r.finishedStage(init)
	if err != nil {
		return nil, err
	}
	score := r.scorer(st)
	var out []TMidScore
	for _, tm := range tMids {
		_, _, m2, err := score(tm)
		if err != nil {
			return out, fmt.Errorf("%s, t_mid %g: %w", st.Name, tm, err)
		}
		v := m2.Energy
		if m2.FID != nil {
			v = *m2.FID
		}
		out = append(out, TMidScore{TMid: tm, Two: m2, Value: v})
	}
	return out, nil
}

// finishedStage loads the final checkpoint of init's model (see TwoStepByTMid) into a stage that does not train.
func (r *Run) finishedStage(init string) (*train.Stage, error) {
	p := r.P
	m, name := midMethod(p)
	steps := p.MidSteps
	if init != "none" {
		if init != "cmt" && init != "diffusion" && init != "scratch" {
			return nil, fmt.Errorf("init %q: want none, cmt, diffusion or scratch", init)
		}
		p = p.ForInit(init)
		pm := p.postMethod()
		m, name, steps = pm, postStage(pm.Name(p), init), p.PostSteps
	}
	st, err := r.stage(name, m.Forward(r), train.Config{Steps: steps})
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(st.CheckpointPath()); err != nil {
		return nil, fmt.Errorf("%s: no checkpoint of %s in %s: run it first: %w", name, init, r.ckptDir(), err)
	}
	if _, err := st.Prepare(nil); err != nil {
		return nil, err
	}
	if st.Step < steps {
		return nil, fmt.Errorf("%s: its checkpoint is at step %d of %d: finish the run first", name, st.Step, steps)
	}
	return st, nil
}

// OpenFinished opens the run in folder dir as it was run (its preset.json and the seed in its summary.json), to
// read or score what it trained; it trains nothing unless asked. Figures go to figures.
func OpenFinished(dir, figures string, o Options) (*Run, error) {
	p, err := ReadRunPreset(dir)
	if err != nil {
		return nil, err
	}
	var s struct {
		Seed *int64 `json:"seed"`
	}
	if err := readJSON(filepath.Join(dir, "summary.json"), &s); err != nil {
		return nil, fmt.Errorf("%w (a run writes summary.json when it ends: finish it first)", err)
	}
	if s.Seed == nil {
		return nil, fmt.Errorf("%s: no seed", filepath.Join(dir, "summary.json"))
	}
	o.Out, o.Figures, o.Seed = dir, figures, *s.Seed
	return New(p, o)
}

// ReadRunPreset reads and checks the settings a run folder was run with (its preset.json).
func ReadRunPreset(dir string) (Preset, error) {
	var p Preset
	path := filepath.Join(dir, "preset.json")
	if err := readJSON(path, &p); err != nil {
		return p, fmt.Errorf("%w (point at a run folder: it holds preset.json, summary.json and ckpt/)", err)
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// readJSON decodes the JSON file at path into v.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
