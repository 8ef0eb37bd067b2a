package bias

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The whole program on a tiny configuration (60 pre-training steps, one 20-step CMT student, 256 samples, 3 Δt,
// one further time): it must finish, print the table, and write summary.json with the headline keys and the
// four figures; -replot must redraw them from summary.json alone. It checks plumbing, not numbers.
func TestProgramTiny(t *testing.T) {
	dir := t.TempDir()
	figs := filepath.Join(dir, "fig")
	args := []string{"-out", dir, "-figures", figs, "-n", "256", "-batch", "64", "-jlo", "-1", "-jhi", "1",
		"-profile-n", "32", "-extra-nodes", "10", "-mids", "20",
		"-set", "pre.steps=60,mid.steps=20,mid.trajectories=256,eval.samples=256"}
	var out, errb bytes.Buffer
	if err := Study(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "slope_cmt (cmt-20)") {
		t.Errorf("table missing the headline line:\n%s", out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"slope_cmt", "slope_cmt_se", "slope_diffusion", "bias_ratio_diffusion_over_cmt"} {
		if _, ok := s[k].(float64); !ok {
			t.Errorf("summary.json: %s missing or not a number", k)
		}
	}
	names := []string{"bias_vs_dt.png", "bias_terms_vs_dt.png", "bias_vs_eps.png", "bias_eps_profile.png"}
	for _, f := range names {
		if err := os.Remove(filepath.Join(figs, f)); err != nil {
			t.Errorf("figure %s: %v", f, err)
		}
	}
	out.Reset()
	if err := Study(context.Background(), []string{"-replot", "-out", dir, "-figures", figs}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, f := range names {
		if _, err := os.Stat(filepath.Join(figs, f)); err != nil {
			t.Errorf("-replot did not redraw %s", f)
		}
	}
}

// Bad flags fail with a message instead of running.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-mids", "10,20"}, {"-jlo", "0", "-jhi", "1"}, {"-set", "data=moons"}, {"stray"}} {
		var out, errb bytes.Buffer
		if err := Study(context.Background(), append(args, "-out", t.TempDir()), &out, &errb); err == nil {
			t.Errorf("%v: expected an error", args)
		}
	}
}
