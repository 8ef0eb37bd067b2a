package sweep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/pipeline"
)

// A finished run counts as done only for the settings it was run with: after a change of the preset or the sweep
// file, the old run is moved aside (kept, not deleted) and the run starts again, instead of the sweep reporting
// the old numbers under the new settings.
func TestFinishedWithSameSettingsOnly(t *testing.T) {
	p, err := pipeline.Lookup("toy2d")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "v", "s1")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"resolved_preset": p})
	if err := os.WriteFile(filepath.Join(out, "summary.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if done, _, err := finishedWith(out, p); err != nil || !done {
		t.Fatalf("same settings: done %v, err %v", done, err)
	}
	q := p
	if err := q.Set("post.recipe.cmt=post.lr=3e-4"); err != nil {
		t.Fatal(err)
	}
	if done, stale, err := finishedWith(out, q); err != nil || done || stale != out+".stale-1" {
		t.Fatalf("changed settings: done %v, kept in %q, err %v", done, stale, err)
	}
	if _, err := os.Stat(filepath.Join(out+".stale-1", "summary.json")); err != nil {
		t.Fatalf("the old run was not kept aside: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("the run folder is still there: %v", err)
	}
	if done, _, err := finishedWith(out, q); err != nil || done {
		t.Fatalf("no run: done %v, err %v", done, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "summary.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := finishedWith(out, q); err == nil {
		t.Fatal("a corrupt summary.json was not reported")
	}
}

// A sweep of models scored as they leave mid-training (post.steps=0, one evaluation per run) gets the interval
// figure: one category per variant, the means and 95 % intervals of the 1- and 2-step energies.
func TestFiguresAtStartOnly(t *testing.T) {
	s, err := Parse(strings.NewReader("name abl\npreset toy2d\nbase post.steps=0\nseeds 1,2,3\nvariant a -\nvariant b mid.distance=l2\n"))
	if err != nil {
		t.Fatal(err)
	}
	var res []Result
	for _, v := range []string{"a", "b"} {
		for seed := int64(1); seed <= 3; seed++ {
			e := 1e-3 * float64(seed)
			res = append(res, Result{Variant: v, Seed: seed, Init: "cmt", Final1: e, Final2: e / 2, Start1: e,
				Curve: [][4]float64{{0, e, e / 2, 0}}, Teacher: 5e-4, Floor: 2e-4, Estimator: "v"})
		}
	}
	dir := t.TempDir()
	paths, err := Figures(s, res, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || filepath.Base(paths[0]) != "abl_cmt.png" {
		t.Fatalf("figures %v", paths)
	}
	if st, err := os.Stat(paths[0]); err != nil || st.Size() < 1000 {
		t.Fatalf("figure %s: %v", paths[0], err)
	}
}
