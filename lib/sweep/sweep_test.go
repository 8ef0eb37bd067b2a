package sweep

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gofrs/flock"
)

const tiny = `# a tiny sweep
name   tiny
preset toy2d
base   pre.steps=20;mid.steps=10;mid.trajectories=64;post.steps=20;eval.every=10;eval.samples=200;post.inits=diffusion,scratch
seeds  1,2
variant a   -                # the base
variant b   post.lr=3e-4     # a larger step
`

func TestParse(t *testing.T) {
	s, err := Parse(strings.NewReader(tiny))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "tiny" || s.Preset != "toy2d" || len(s.Seeds) != 2 || len(s.Variants) != 2 {
		t.Fatalf("parsed %+v", s)
	}
	if v := s.Variants[1]; v.Set != "post.lr=3e-4" || v.Note != "a larger step" || s.Overrides(v) != s.Base+";post.lr=3e-4" {
		t.Errorf("variant b: %+v, overrides %q", v, s.Overrides(v))
	}
	if s.Overrides(s.Variants[0]) != s.Base {
		t.Errorf("variant a overrides %q", s.Overrides(s.Variants[0]))
	}
	// A base may hold a per-init recipe, whose value has spaces.
	r, err := Parse(strings.NewReader("name x\npreset toy2d\nbase   post.q=16;post.recipe.cmt=post.lr=1e-4 post.q=64   # note\nseeds 1\nvariant a -\n"))
	if err != nil || r.Base != "post.q=16;post.recipe.cmt=post.lr=1e-4 post.q=64" {
		t.Errorf("base with a recipe: %q, %v", r.Base, err)
	}
	for _, bad := range []string{
		"name x\npreset toy2d\nseeds 1\n",                           // no variant
		"name x\npreset toy2d\nseeds 1,two\nvariant a -\n",          // bad seed
		"name x\npreset toy2d\nseeds 1\nvariant a/b -\n",            // name with a slash
		"name x\npreset toy2d\nseeds 1\nvariant a -\nvariant a -\n", // twice
		"name x\npreset toy2d\nseeds 1\nvariants a -\n",             // unknown directive
		"preset toy2d\nseeds 1\nvariant a -\n",                      // no name
	} {
		if _, err := Parse(strings.NewReader(bad)); err == nil {
			t.Errorf("want an error for %q", bad)
		}
	}
}

// Mean95 against a hand computation: {1, 2, 3, 6}: mean 3, sample sd √(14/3), t₀.₉₇₅(3) = 3.182, half-width
// 3.182·√(14/3)/2 = 3.437 (to 1e-3, the table's precision).
func TestMean95(t *testing.T) {
	i := Mean95([]float64{1, 2, 3, 6})
	if i.Mean != 3 || math.Abs(i.CI95-3.182*math.Sqrt(14.0/3)/2) > 1e-9 || i.N != 4 {
		t.Errorf("got %+v", i)
	}
	if one := Mean95([]float64{5}); one.Mean != 5 || one.CI95 != 0 {
		t.Errorf("one value: %+v", one)
	}
}

// A tiny sweep end to end: every variant × seed runs into its folder, variant b takes variant a's teacher and CMT
// student (same pre- and mid-training settings), a second Run does nothing, Collect reads 2 variants × 2 seeds ×
// 2 inits, and each result's final value is the mean of its last 3 evaluations.
func TestRunCollect(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 4 tiny pipelines")
	}
	s, _ := Parse(strings.NewReader(tiny))
	dir := t.TempDir()
	b := backend.MustNew(nil)
	var status bytes.Buffer
	if err := Run(context.Background(), s, dir, b, &status); err != nil {
		t.Fatal(err)
	}
	status.Reset()
	if err := Run(context.Background(), s, dir, b, &status); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(status.String(), "done before"); n != 4 {
		t.Errorf("second run: %d of 4 runs skipped:\n%s", n, status.String())
	}
	res, err := Collect(s, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 8 {
		t.Fatalf("%d results, want 8", len(res))
	}
	for _, r := range res {
		c := r.Curve
		if len(c) != 3 { // steps 0, 10, 20
			t.Fatalf("%s/%d/%s: %d evaluations, want 3", r.Variant, r.Seed, r.Init, len(c))
		}
		if want := (c[0][1] + c[1][1] + c[2][1]) / 3; math.Abs(r.Final1-want) > 1e-12 {
			t.Errorf("final %v, want %v", r.Final1, want)
		}
	}
	// b differs from a only in post.lr: it took a's teacher and CMT student, and its teacher scores identically.
	shared, err := os.ReadFile(filepath.Join(RunDir(dir, s.Variants[1], 1), SharedFile))
	if err != nil || !strings.Contains(string(shared), "pretrain") || !strings.Contains(string(shared), "midtrain") {
		t.Errorf("variant b did not share a's stages: %s, %v", shared, err)
	}
	if res[0].Teacher != res[4].Teacher || res[0].Variant != "a" || res[4].Variant != "b" {
		t.Errorf("teacher energy a %v vs b %v", res[0].Teacher, res[4].Teacher)
	}
	rows := Aggregate(s, res)
	if len(rows) != 4 || rows[0].Variant != "a" || rows[0].Init != "diffusion" || rows[0].Final1.N != 2 {
		t.Errorf("rows %+v", rows)
	}
	if !strings.Contains(Table(s, rows), "| b | a larger step | scratch | 2 |") {
		t.Errorf("table:\n%s", Table(s, rows))
	}
	paths, err := Figures(s, res, dir)
	if err != nil || len(paths) != 2 {
		t.Fatalf("figures %v: %v", paths, err)
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("figure %s: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(RunDir(dir, s.Variants[1], 2), "run.log")); err != nil {
		t.Error(err)
	}

	// Another sweep with a share line takes a's finished teacher and student on the same seed from this one's folder.
	other, err := Parse(strings.NewReader(strings.Replace(strings.Replace(tiny, "seeds  1,2", "seeds  1", 1), "name   tiny",
		"name   other\nshare  "+filepath.Join(dir, "a"), 1)))
	if err != nil || len(other.Share) != 1 {
		t.Fatalf("share line: %v, %+v", err, other.Share)
	}
	other.Variants = []Variant{{Name: "c", Set: "post.lr=1e-3"}}
	dir2 := t.TempDir()
	if err := Run(context.Background(), other, dir2, b, &status); err != nil {
		t.Fatal(err)
	}
	shared, err = os.ReadFile(filepath.Join(RunDir(dir2, other.Variants[0], 1), SharedFile))
	if want := filepath.Join(dir, "a", "s1"); err != nil || strings.Count(string(shared), want) != 2 {
		t.Errorf("the other sweep took %s (%v), want pre- and mid-training from %s", shared, err, want)
	}

	// Costs, by hand: pre-training 20 steps × 512 examples; the diffusion init starts there and adds 512 per
	// post-training step (20 steps); scratch pays only its 20 × 512. With a target above every energy, the cost to
	// reach it is the cost at step 0.
	d, err := Compare(s, dir, 1e9)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Pipelines) != 4 || d.Data != "gmm8" {
		t.Fatalf("pipelines %d, data %q", len(d.Pipelines), d.Data)
	}
	for _, p := range d.Pipelines {
		want := map[string]float64{"diffusion": 20*512 + 20*512, "scratch": 20 * 512}[p.Init]
		if p.Total.Evals != want || len(p.Seeds) != 2 {
			t.Errorf("%s/%s: total evals %v, want %v (seeds %v)", p.Variant, p.Init, p.Total.Evals, want, p.Seeds)
		}
		start := map[string]float64{"diffusion": 20 * 512, "scratch": 0}[p.Init]
		if p.CostToTarget.Evals == nil || *p.CostToTarget.Evals != start || p.CostToTarget.Reached != 2 {
			t.Errorf("%s/%s: cost to target %+v, want %v evals", p.Variant, p.Init, p.CostToTarget, start)
		}
	}
	if _, err := CompareFigures(d, dir); err != nil {
		t.Error(err)
	}
	if tab := CompareTable(d); !strings.Contains(tab, "| b | scratch init, ect |") {
		t.Errorf("compare table:\n%s", tab)
	}
}

// Two processes on one sweep share the work: a run whose folder another process holds (its lock, taken here by a
// second file description as another process would) is skipped with a status line, the others run, and Run
// reports ErrInUse so the caller knows the set is incomplete; once the lock is gone, running again finishes it.
func TestRunSkipsRunsInUse(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 4 tiny pipelines")
	}
	s, _ := Parse(strings.NewReader(tiny))
	dir := t.TempDir()
	held := RunDir(dir, s.Variants[0], 1)
	if err := os.MkdirAll(held, 0o755); err != nil {
		t.Fatal(err)
	}
	l := flock.New(filepath.Join(held, pipeline.LockFile))
	if ok, err := l.TryLock(); !ok || err != nil {
		t.Fatalf("taking the lock: %v %v", ok, err)
	}
	b := backend.MustNew(nil)
	var status bytes.Buffer
	err := Run(context.Background(), s, dir, b, &status)
	if !errors.Is(err, pipeline.ErrInUse) || strings.Count(status.String(), "running in another process: skipped") != 1 {
		t.Fatalf("with one run held: error %v, status:\n%s", err, status.String())
	}
	if res, _ := Collect(s, dir); len(res) != 6 {
		t.Fatalf("%d results with one run held, want 6 (3 runs × 2 inits)", len(res))
	}
	l.Unlock()
	status.Reset()
	if err := Run(context.Background(), s, dir, b, &status); err != nil || strings.Count(status.String(), "done before") != 3 {
		t.Fatalf("after the lock is gone: %v\n%s", err, status.String())
	}
}
