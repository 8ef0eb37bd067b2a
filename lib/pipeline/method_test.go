package pipeline

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
)

// A method added through PostMethods runs with no change to the sequencer: -set post.method=ict trains iCT from
// the CMT student and from scratch in the default pipeline (All), its stages are named post_ict_<init>, every
// evaluation keeps a frame, and from scratch iCT lowers the 1-step energy of the random network by more than half
// in 400 steps (a random network's 1-step samples sit far from the 8 modes; the margin is wide on purpose: this
// checks that the method learns, not how well).
func TestICTThroughThePipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small pipeline (~20 s)")
	}
	p, err := Lookup("toy2d")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Set("pre.steps=300;mid.steps=100;mid.trajectories=512;post.method=ict;post.steps=400;eval.every=200;" +
		"eval.samples=1000;post.inits=cmt,scratch;post.recipe.cmt=;post.recipe.scratch=;post.recipe.diffusion=;post.lr=1e-3"); err != nil {
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
	if len(r.Summary.Posttrain) != 2 {
		t.Fatalf("%d post-training rows, want 2", len(r.Summary.Posttrain))
	}
	for _, row := range r.Summary.Posttrain {
		if row.Method != "ict" || len(row.Curve) != 3 {
			t.Errorf("%s: method %q, %d curve points; want ict, 3", row.Init, row.Method, len(row.Curve))
		}
		frames, err := ReadFrames(out, "post_ict_"+row.Init)
		if err != nil || len(frames) != 3 {
			t.Errorf("%s: %d frames (%v), want 3", row.Init, len(frames), err)
		}
		if row.Init == "scratch" && !(row.Final.One.Energy < 0.5*row.Start.One.Energy) {
			t.Errorf("iCT from scratch: 1-step energy %.3g → %.3g, want it at least halved", row.Start.One.Energy, row.Final.One.Energy)
		}
		t.Logf("%s: 1-step energy %.3g → %.3g", row.Init, row.Start.One.Energy, row.Final.One.Energy)
	}
	for _, st := range r.Summary.StageSeconds {
		if strings.Contains(st.Stage, "post-training") && !strings.HasPrefix(st.Stage, "ict post-training from ") {
			t.Errorf("stage %q, want it named after the method", st.Stage)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "summary.json")); err != nil {
		t.Error(err)
	}
}

// post.method is checked against PostMethods (the message lists them), the iCT curriculum keys are range-checked,
// and a consistency-model method refuses the flow-matching teacher.
func TestPostMethodValidation(t *testing.T) {
	for _, c := range []struct{ preset, set, want string }{
		{"toy2d", "post.method=sct", "ect, ict, lmd, meanflow"},
		{"toy2d", "post.method=ict;post.ict_s0=-1", "post.ict_s0"},
		{"toy2d", "post.method=ict;post.ict_s0=100;post.ict_s1=10", "post.ict_s1 ≥ post.ict_s0"},
		{"toy2d-mf", "post.method=ict", "needs a flow-map post.method"},
		{"toy2d-mf", "net=dit", "needs net=mlp"},
	} {
		p, _ := Lookup(c.preset)
		if err := p.Set(c.set); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -set %s: error %v, want one naming %q", c.preset, c.set, err, c.want)
		}
	}
	p, _ := Lookup("toy2d")
	if err := p.Set("post.method=ict;post.ict_s0=4;post.ict_s1=64"); err != nil {
		t.Errorf("valid iCT settings rejected: %v", err)
	}
}
