package pipeline

import (
	"context"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
)

// TwoStepByTMid on a finished run reopened from its folder reproduces the scores training recorded at the same
// t_mid — the post-training curve's last 2-step energy and the student's 2-step energy — to 1e-12 relative: the
// same final weights, the same fixed noise and the same estimator give the same number up to summation order, which
// is the same code too. Another t_mid gives another score; an unknown init, a missing checkpoint and changed settings are
// refused with what to do.
func TestTwoStepByTMidReproducesTraining(t *testing.T) {
	p, _ := Lookup("toy2d")
	if err := p.Set("pre.steps=30,mid.steps=10,mid.trajectories=256,post.steps=20,eval.every=10,post.inits=cmt,eval.t_mid=0.8,eval.t_mid_student=0.4"); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	r, err := New(p, Options{Out: out, Seed: 3, Backend: backend.MustNew(nil), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.All(context.Background()); err != nil {
		t.Fatal(err)
	}
	r2, err := OpenFinished(out, t.TempDir(), Options{Backend: backend.MustNew(nil), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }

	own := p.ForInit("cmt").TMid // the cmt recipe's t_mid, which training's evaluations used
	post, err := r2.TwoStepByTMid("cmt", []float64{own, 2 * own})
	if err != nil {
		t.Fatal(err)
	}
	want := r.Summary.Posttrain[0].Final.Two.Energy
	if !close(post[0].Value, want) || post[0].Two.Energy != post[0].Value {
		t.Errorf("post-training from cmt at its t_mid %g: %g, training's last evaluation %g", own, post[0].Value, want)
	}
	if post[1].Value == post[0].Value {
		t.Errorf("t_mid %g scored %g, the same as %g", 2*own, post[1].Value, own)
	}
	none, err := r2.TwoStepByTMid("none", []float64{0.4})
	if err != nil {
		t.Fatal(err)
	}
	if want := r.Summary.Student.Two.Energy; !close(none[0].Value, want) {
		t.Errorf("the student at t_mid 0.4: %g, as it left mid-training %g", none[0].Value, want)
	}

	for _, c := range []struct{ init, want string }{
		{"teacher", "want none, cmt, diffusion or scratch"},
		{"scratch", "run it first"},
	} {
		if _, err := r2.TwoStepByTMid(c.init, []float64{0.8}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("init %s: error %v, want one saying %q", c.init, err, c.want)
		}
	}
	r2.P.Q *= 2 // a setting the checkpoint was not trained with (the cmt recipe leaves q to the preset)
	if _, err := r2.TwoStepByTMid("cmt", []float64{0.8}); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Errorf("changed settings: error %v, want the checkpoint's settings refused", err)
	}
}
