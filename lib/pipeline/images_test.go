package pipeline

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
)

// TestImagePipelineSmoke runs every stage of mnist-quick at toy size (a 2-block DiT, tens of steps) and checks the
// plumbing, not the quality: every post-training row of summary.json carries finite fid_1step and fid_2step, the
// training data's FID against the test-set reference is far below the untrained samples' (a sound metric sees
// noise), the curves start at step 0, and the sample grid and FID curves are written.
func TestImagePipelineSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the image pipeline (~40 s)")
	}
	p, _ := Lookup("mnist-quick")
	if err := p.Set("net=dit,dit.hidden=32,dit.depth=1,dit.heads=2,pre.steps=6,mid.steps=4,post.steps=4,eval.every=2," +
		"eval.samples=300,mid.trajectories=100,mid.solver_steps=4,pre.batch=16,mid.batch=16,post.batch=16," +
		"eval.pre_every=3,eval.pre_samples=100"); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	r, err := New(p, Options{Out: out, Seed: 1, Backend: backend.MustNew(nil), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.All(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		NoiseFloor struct {
			FID *float64 `json:"fid"`
		} `json:"noise_floor"`
		Posttrain []map[string]any `json:"posttrain"`
		Teacher   TeacherReport    `json:"teacher"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.NoiseFloor.FID == nil {
		t.Fatal("summary.json: no training-data FID")
	}
	if len(s.Posttrain) != 3 {
		t.Fatalf("summary.json: %d post-training rows, want 3 (cmt, diffusion, scratch)", len(s.Posttrain))
	}
	for _, row := range s.Posttrain {
		for _, k := range []string{"fid_1step", "fid_2step"} {
			v, ok := row[k].(float64)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%v: %s = %v, want a finite number", row["init"], k, row[k])
			} else if v < 5**s.NoiseFloor.FID {
				t.Errorf("%v: %s = %.2f after 4 steps is not far above the data's %.2f: the metric does not see noise", row["init"], k, v, *s.NoiseFloor.FID)
			}
		}
		if c := row["curve"].([]any); len(c) != 3 || c[0].([]any)[0].(float64) != 0 {
			t.Errorf("%v: curve %v, want evaluations at steps 0, 2, 4", row["init"], c)
		}
	}
	// The teacher curve (eval.pre_every=3 over 6 steps): evaluations at steps 3 and 6, finite FIDs, training seconds
	// increasing; a second run on the same folder adopts the finished stage and its curve from the checkpoint.
	c := s.Teacher.Curve
	if len(c) != 2 || c[0].Step != 3 || c[1].Step != 6 || c[0].Samples != 100 || !(c[1].Seconds > c[0].Seconds) ||
		c[0].Metrics.FID == nil || math.IsNaN(*c[1].Metrics.FID) {
		t.Errorf("teacher curve %+v, want steps 3 and 6 with 100 samples, finite FID, increasing seconds", c)
	}
	r2, err := New(p, Options{Out: out, Seed: 1, Backend: backend.MustNew(nil), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Pretrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(r2.teacherCurve) != 2 || r2.teacherCurve[1].Seconds != c[1].Seconds {
		t.Errorf("resumed teacher curve %+v, want the saved %+v", r2.teacherCurve, c)
	}
	for _, f := range []string{"mnist-quick_samples.png", "mnist-quick_fid_1step.png", "mnist-quick_fid_2step.png", "mnist-quick_teacher.png"} {
		if _, err := os.Stat(filepath.Join(out, "figures", f)); err != nil {
			t.Error(err)
		}
	}
}

// TestImagePresetValidation: image backbones need image data, MeanFlow is refused on images, and a missing
// CIFAR-10 directory is reported with what to do.
func TestImagePresetValidation(t *testing.T) {
	p, _ := Lookup("toy2d")
	if err := p.Set("net=dit,dit.patch=4,dit.hidden=32,dit.depth=1,dit.heads=2"); err == nil || !strings.Contains(err.Error(), "needs image data") {
		t.Errorf("dit on 2D data: err = %v", err)
	}
	p, _ = Lookup("mnist-quick")
	if err := p.Set("post.method=meanflow"); err == nil || !strings.Contains(err.Error(), "2D data only") {
		t.Errorf("meanflow on images: err = %v", err)
	}
	if err := p.Set("net=convnet"); err == nil || !strings.Contains(err.Error(), "use mlp, dit or unet") {
		t.Errorf("unknown net: err = %v", err)
	}
	p, _ = Lookup("cifar10")
	t.Setenv("CMT_CIFAR10_DIR", "")
	_, err := New(p, Options{Out: t.TempDir(), Seed: 1, Backend: backend.MustNew(nil), Log: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "cifar-10") {
		t.Errorf("cifar10 without data: err = %v", err)
	}
}
