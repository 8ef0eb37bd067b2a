package notebook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tiny are settings that train every stage for a few steps of a small network: enough to exercise the notebook
// helpers end to end in seconds (the notebooks themselves run in notebooks/notebooks_test.go).
const tiny = "hidden=16,layers=2,pre.steps=40,mid.steps=20,mid.trajectories=64,post.steps=10,eval.every=10," +
	"eval.samples=400,post.inits=cmt"

// The notebooks call these helpers in separate processes (one per cell); this test plays a notebook through them
// with tiny settings and checks what a reader relies on: each training stage draws its block, a later "cell"
// (a new Book) resumes the finished stages and says so instead of retraining, and every study shows its figure(s)
// (files written to the figure directory, shown inline as PNG) and its table.
func TestNotebookStudiesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: trains small models")
	}
	out := t.TempDir()
	t.Setenv(OutEnv, out)
	rec := newRecorder()
	cfg := Config{Name: "t", Quick: tiny, Out: rec.output()}

	// Cell 1: train the teacher and the student.
	nb := Open(cfg)
	nb.ShowSettings()
	r := nb.Run("pretrain", "trajectories", "midtrain")
	for _, want := range []string{"Settings: quick", "backend:", "pre-training (EDM teacher)", "CMT mid-training", "done in"} {
		if !strings.Contains(rec.all(), want) {
			t.Fatalf("cell 1 output lacks %q", want)
		}
	}
	if r.Mid == nil || r.Mid.Step != 20 {
		t.Fatal("mid-training did not run its 20 steps")
	}

	// Cell 2: a new process resumes them.
	rec2 := newRecorder()
	cfg.Out = rec2.output()
	nb = Open(cfg)
	r = nb.Run("pretrain", "trajectories", "midtrain")
	if !strings.Contains(rec2.all(), "resumed from its checkpoints: pre-training, CMT mid-training") {
		t.Fatalf("resumed stages not announced: %q", rec2.all())
	}
	if len(rec2.order) != 0 {
		t.Fatal("a resumed stage drew a progress block: it retrained")
	}

	// Cell 3: its own %% --set changes post-training only: a new run folder that adopts the finished teacher and
	// student instead of training them again.
	recCell := newRecorder()
	cfg.Out = recCell.output()
	args := os.Args
	os.Args = []string{"cell", "--set=post.q=64"}
	nb3 := Open(cfg)
	os.Args = args
	nb3.Run("pretrain", "trajectories", "midtrain")
	if nb3.RunDir == nb.RunDir || nb3.P.Q != 64 {
		t.Fatalf("cell --set: run folder %s (the notebook's: %s), q %v", nb3.RunDir, nb.RunDir, nb3.P.Q)
	}
	if strings.Count(recCell.all(), "is reused") != 2 || len(recCell.order) != 0 {
		t.Fatalf("cell --set: the teacher and student were not adopted (%d progress blocks): %q", len(recCell.order), recCell.all())
	}

	nb.TeacherCheck(r)
	nb.ShowPairs(r)
	nb.AfterMidtraining(r)
	nb.CompareSolvers(r, 8, "euler", "dpm3")
	nb.SolverErrors(r, 50, []int{4, 8}, "euler", "dpm3")
	arms := nb.Sweep("loss metric", "mid.distance", "l2sq", "huber")
	r = nb.Run("post")
	nb.Summary(r)
	nb.PostFigures(r)

	all := rec2.all()
	for _, want := range []string{"Denoising error", "64 teacher solves × 16 non-final points each = 1024 pairs",
		"Right after 20 steps of CMT mid-training", "Samples of each solver", "RMS distance of the end point",
		"loss metric (scored right after mid-training", "squared ℓ2 (CMT)", "pseudo-Huber",
		"ECT from cmt (t_mid", "post-training recipes: cmt:", "data:image/png;base64,"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if len(arms) != 2 || arms[0].Pairs != 1024 || arms[0].One.Energy <= 0 || arms[1].Value != "huber" {
		t.Errorf("sweep arms %+v", arms)
	}
	// An arm shared by two sweeps trains once: a second sweep containing it resumes it and draws no progress bar.
	rec3 := newRecorder()
	nb.Out = rec3.output()
	nb.watch = newWatcher(nb)
	nb.Sweep("again", "mid.distance", "l2sq")
	if strings.Contains(rec3.all(), "<progress") || !strings.Contains(rec3.all(), "0 mid-trained here and 1 resumed") {
		t.Error("an arm trained by an earlier sweep was trained again")
	}
	if !strings.Contains(all, "loss metric: 2 arms, 2 mid-trained here and 0 resumed") {
		t.Error("the sweep's live block was not replaced by its summary line")
	}
	if pairs, _ := filepath.Glob(filepath.Join(nb.FigDir, "pairs_t*.png")); len(pairs) != 3 {
		t.Errorf("want 3 pair figures, got %v", pairs)
	}
	for _, f := range []string{"after_midtraining_samples.png", "trajectories_euler_8nfe.png",
		"solver_samples_8nfe.png", "solver_error_vs_nfe.png", "ablation_mid_distance.png", "toy2d_energy_1step.png",
		"toy2d_samples.png", "pretrain_loss.png", "midtrain_loss.png"} {
		if _, err := os.Stat(filepath.Join(nb.FigDir, f)); err != nil {
			t.Errorf("figure %s missing: %v", f, err)
		}
	}
}
