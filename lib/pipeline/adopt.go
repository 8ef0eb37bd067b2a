package pipeline

import (
	"os"
	"path/filepath"

	"github.com/gocmt/cmt/lib/runlog"
	"github.com/gocmt/cmt/lib/train"
)

// AdoptFinished copies into this run the finished checkpoints of its shared stages (SharedStages: pre-training
// and mid-training) from the first donor run folder whose checkpoint carries the same settings fingerprint and
// all of the stage's steps, for each stage this run has no checkpoint of yet. The run then resumes them at once
// instead of training them again: the sweeps share a seed's teacher and CMT student between variants, and a
// notebook cell with its own %% --set shares them with the notebook's other runs. It returns the donor of each
// adopted stage.
func (r *Run) AdoptFinished(donors []string) (map[string]string, error) {
	from := map[string]string{}
	steps := map[string]int{"pretrain": r.P.PreSteps, "midtrain": r.P.MidSteps, "midtrain_mf": r.P.MidSteps}
	for _, stage := range r.SharedStages() {
		dst := r.CheckpointPath(stage)
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		want := r.StageFingerprint(stage)
		for _, donor := range donors {
			if donor == "" || filepath.Clean(donor) == filepath.Clean(r.O.Out) {
				continue
			}
			src := filepath.Join(donor, "ckpt", filepath.Base(dst))
			if got, err := train.ReadCheckpointConfig(src); err != nil || got != want {
				continue
			}
			if n, err := train.ReadCheckpointStep(src); err != nil || n < steps[stage] {
				continue
			}
			b, err := os.ReadFile(src)
			if err != nil {
				return from, err
			}
			if err := runlog.WriteFileAtomic(dst, b); err != nil { // whole or absent
				return from, err
			}
			from[stage] = donor
			break
		}
	}
	return from, nil
}
