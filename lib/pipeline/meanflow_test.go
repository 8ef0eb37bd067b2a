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

// The flow-map pipeline runs end to end on a small budget (flow-matching teacher → CMT-MF on 2 shifted grids →
// MeanFlow from the CMT-MF student and from scratch, then LMD from the teacher in the same run directory, which
// resumes the finished pre- and mid-training): summary.json has one row per post-training run with method
// "meanflow" or "lmd", finite metrics, a curve point at steps 0, 50 and 100, and every figure is written. The
// metrics are not checked here (the budget is too small to mean anything); the default preset's are in the README.
func TestFlowMapPipelineSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small pipeline (~15 s)")
	}
	out := t.TempDir()
	run := func(inits, set string) Summary {
		p, err := Lookup("toy2d-mf")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Set("pre.steps=200,mid.steps=100,post.steps=100,eval.every=50,mid.trajectories=512,mid.grid_shifts=2," +
			"eval.samples=1000" + set); err != nil {
			t.Fatal(err)
		}
		p.Inits = inits // a list: -set splits on commas
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
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
		var s Summary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	check := func(s Summary, method string, inits ...string) {
		if len(s.Posttrain) != len(inits) {
			t.Fatalf("%d post-training rows, want %d", len(s.Posttrain), len(inits))
		}
		for i, row := range s.Posttrain {
			if row.Method != method || row.Init != inits[i] || len(row.Curve) != 3 || row.Steps != 100 {
				t.Errorf("row %d: method %q init %q, %d curve points, %d steps", i, row.Method, row.Init, len(row.Curve), row.Steps)
			}
			for _, c := range row.Curve {
				for _, v := range c[1:] {
					if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
						t.Errorf("row %d: non-finite or negative metric %v", i, v)
					}
				}
			}
		}
		if s.Teacher == nil || s.Teacher.NFE != 18 {
			t.Errorf("teacher report %+v, want 18 NFE (Euler from t = 1, 16 DPM-Solver++ steps, a last step to 0)", s.Teacher)
		}
	}
	check(run("cmt,scratch", ""), "meanflow", "cmt", "scratch")
	for _, f := range []string{"samples", "fewstep", "trajectories", "energy_1step", "energy_2step"} {
		if _, err := os.Stat(filepath.Join(out, "figures", "toy2d-mf_"+f+".png")); err != nil {
			t.Errorf("figure %s: %v", f, err)
		}
	}
	check(run("diffusion", ",post.method=lmd"), "lmd", "diffusion")
}

// The flow-map keys are checked: a flow-matching teacher only with a flow-map method and back, and every
// enumerated value.
func TestFlowMapPresetValidation(t *testing.T) {
	for _, c := range []struct{ preset, set, want string }{
		{"toy2d", "pre.objective=fm", "pre.objective=fm needs a flow-map post.method"},
		{"toy2d-mf", "pre.objective=edm", "needs pre.objective=fm"},
		{"toy2d-mf", "post.method=mf", "post.method"},
		{"toy2d-mf", "mid.mf_pairs=some", "mid.mf_pairs"},
		{"toy2d-mf", "mid.mf_space=x", "mid.mf_space"},
		{"toy2d-mf", "post.tr_order=v2", "post.tr_order"},
		{"toy2d-mf", "post.jvp=forward", "post.jvp"},
		{"toy2d-mf", "mid.grid_shifts=0", "mid.grid_shifts"},
		{"toy2d-mf", "eval.t_mid=0.8,post.ratio=2", "post.ratio"},
		{"toy2d-mf", "eval.t_mid=1.5", "eval.t_mid"},
	} {
		p, _ := Lookup(c.preset)
		err := p.Set(c.set)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s -set %s: error %v, want one naming %q", c.preset, c.set, err, c.want)
		}
	}
	p, _ := Lookup("toy2d-mf")
	if err := p.Set("post.method=lmd,post.jvp=fd,post.fd_eps=1e-4,mid.mf_diag=0.1"); err != nil {
		t.Errorf("valid overrides rejected: %v", err)
	}
}
