package sweep

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocmt/cmt/lib/pipeline"
)

// Cost is the training compute a pipeline has spent. Evals counts examples through the network as the paper's
// "Mimg" counts images (one per training example per step, forward and backward together) plus the teacher's
// network evaluations while solving trajectories (NFE per trajectory × trajectories). Seconds is wall time on
// this machine, including the evaluations made during post-training.
type Cost struct {
	Evals   float64 `json:"evals"`
	Seconds float64 `json:"wall_seconds"`
}

// Add is c + d.
func (c Cost) Add(d Cost) Cost { return Cost{c.Evals + d.Evals, c.Seconds + d.Seconds} }

// Scale is c·f.
func (c Cost) Scale(f float64) Cost { return Cost{c.Evals * f, c.Seconds * f} }

// Costs of one run: what each init's pipeline spent before post-training (Before[init]; "none" is the CMT student
// as mid-training leaves it, the same as Before["cmt"]) and per post-training step (PerStep[init]).
type Costs struct {
	Before  map[string]Cost
	PerStep map[string]Cost
}

// RunCosts reads a finished run's costs from its summary.json. Stages it took from another run (SharedFile)
// are charged the wall time they took there: every pipeline pays for its own teacher and CMT student.
func RunCosts(runDir string) (Costs, error) {
	sum, err := readSummary(runDir)
	if err != nil {
		return Costs{}, err
	}
	p := sum.Resolved
	secs := stageSeconds(sum)
	shared := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(runDir, SharedFile)); err == nil {
		if err := json.Unmarshal(b, &shared); err != nil {
			return Costs{}, fmt.Errorf("%s: %w", filepath.Join(runDir, SharedFile), err)
		}
	}
	for stage, donor := range shared {
		ds, err := originalSummary(donor, stage)
		if err != nil {
			return Costs{}, fmt.Errorf("the run %s shared its %s: %w", donor, stage, err)
		}
		d := stageSeconds(ds)
		if strings.HasPrefix(stage, "pretrain") {
			secs["pre"] = d["pre"]
		} else {
			secs["mid"] = d["mid"]
		}
	}
	nfe := 0.0
	if sum.Teacher != nil {
		nfe = float64(sum.Teacher.NFE)
	}
	pre := Cost{float64(p.PreSteps * p.PreBatch), secs["pre"]}
	cmt := pre.Add(Cost{float64(p.Trajectories)*nfe + float64(p.MidSteps*p.MidBatch), secs["traj"] + secs["mid"]})
	c := Costs{Before: map[string]Cost{"cmt": cmt, "none": cmt, "diffusion": pre, "scratch": {}}, PerStep: map[string]Cost{}}
	for _, row := range sum.Posttrain {
		q := p.ForInit(row.Init)
		steps := max(row.Steps, 1)
		c.PerStep[row.Init] = Cost{float64(q.PostBatch), secs["post "+row.Init] / float64(steps)}
	}
	return c, nil
}

// originalSummary is the summary of the run that trained stage: donor's, or, when donor took the stage from
// another run in turn (a rerun adopting it from its own earlier folder), that run's, following the chain.
func originalSummary(donor, stage string) (pipeline.Summary, error) {
	for range 16 {
		next := map[string]string{}
		b, err := os.ReadFile(filepath.Join(donor, SharedFile))
		if err == nil {
			if err := json.Unmarshal(b, &next); err != nil {
				return pipeline.Summary{}, fmt.Errorf("%s: %w", filepath.Join(donor, SharedFile), err)
			}
		}
		if next[stage] == "" {
			return readSummary(donor)
		}
		donor = next[stage]
	}
	return pipeline.Summary{}, fmt.Errorf("%s: a chain of more than 16 shared stages", stage)
}

func readSummary(runDir string) (pipeline.Summary, error) {
	var sum pipeline.Summary
	b, err := os.ReadFile(filepath.Join(runDir, "summary.json"))
	if err != nil {
		return sum, err
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		return sum, fmt.Errorf("%s: %w", filepath.Join(runDir, "summary.json"), err)
	}
	return sum, nil
}

// stageSeconds maps the summary's stage names to pre, traj, mid and "post <init>".
func stageSeconds(sum pipeline.Summary) map[string]float64 {
	m := map[string]float64{}
	for _, s := range sum.StageSeconds {
		switch {
		case strings.HasPrefix(s.Stage, "pre-training"):
			m["pre"] += s.Seconds
		case strings.HasPrefix(s.Stage, "teacher trajectories"):
			m["traj"] += s.Seconds
		case strings.Contains(s.Stage, "mid-training"):
			m["mid"] += s.Seconds
		case strings.Contains(s.Stage, "post-training from "):
			m["post "+s.Stage[strings.LastIndex(s.Stage, " ")+1:]] += s.Seconds
		}
	}
	return m
}
