package pipeline

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/*.json from this code (after a change meant to alter the numbers)")

// goldenCases are the presets the golden test runs end to end, each at small settings that train every stage.
var goldenCases = []struct{ preset, set string }{
	{"toy2d", "pre.steps=120;mid.steps=60;mid.trajectories=256;post.steps=40;eval.every=20;eval.samples=500"},
	{"toy2d-mf", "pre.steps=120;mid.steps=60;mid.trajectories=256;post.steps=40;eval.every=20;eval.samples=500"},
	{"mnist-quick", "hidden=64;layers=2;pre.steps=8;pre.batch=16;mid.steps=6;mid.batch=16;mid.trajectories=64;" +
		"mid.solver_steps=4;post.steps=4;post.batch=16;eval.every=2;eval.samples=300"},
}

// goldenNumbers is what the golden test compares: every number of summary.json that a refactoring must not change
// (teacher and noise-floor metrics, each post-training run's whole evaluation curve).
type goldenNumbers struct {
	NoiseFloor SampleMetrics           `json:"noise_floor"`
	Teacher    SampleMetrics           `json:"teacher"`
	Curves     map[string][][4]float64 `json:"curves"` // by init/method
}

// Same seed, same preset → the same summary.json numbers as the stored ones (testdata/golden), for one preset of
// each road: toy2d (EDM → CMT → ECT), toy2d-mf (flow matching → CMT-MF → MeanFlow) and mnist-quick (images, FID).
// The CPU backend is deterministic, so the tolerance is round-off only (1e-9 relative): the test guards
// restructurings of the pipeline (issue 12), which must not change what any stage computes. After a change meant
// to alter the numbers, rerun with -update-golden and say why in the commit.
func TestGoldenSummaries(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three small pipelines (~40 s)")
	}
	for _, c := range goldenCases {
		t.Run(c.preset, func(t *testing.T) {
			p, err := Lookup(c.preset)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Set(c.set); err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			r, err := New(p, Options{Out: out, Figures: filepath.Join(out, "figures"), Seed: 1, Backend: backend.MustNew(nil), Log: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.All(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := goldenNumbers{NoiseFloor: r.Summary.NoiseFloor, Teacher: r.Summary.Teacher.Samples, Curves: map[string][][4]float64{}}
			for _, row := range r.Summary.Posttrain {
				got.Curves[row.Init+"/"+row.Method] = row.Curve
			}
			path := filepath.Join("testdata", "golden", c.preset+".json")
			if *updateGolden {
				b, _ := json.MarshalIndent(got, "", " ")
				if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (create it with go test ./lib/pipeline -run TestGoldenSummaries -update-golden)", err)
			}
			var want goldenNumbers
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			compareGolden(t, "noise floor", flat(want.NoiseFloor), flat(got.NoiseFloor))
			compareGolden(t, "teacher", flat(want.Teacher), flat(got.Teacher))
			if len(got.Curves) != len(want.Curves) {
				t.Errorf("%d post-training runs, want %d", len(got.Curves), len(want.Curves))
			}
			for k, wc := range want.Curves {
				gc := got.Curves[k]
				if len(gc) != len(wc) {
					t.Errorf("%s: %d evaluations, want %d", k, len(gc), len(wc))
					continue
				}
				for i := range wc {
					compareGolden(t, k, wc[i][:], gc[i][:])
				}
			}
		})
	}
}

// flat lists a SampleMetrics' numbers through its JSON form (every metric the summary carries).
func flat(m SampleMetrics) []float64 {
	b, _ := json.Marshal(m)
	var all map[string]any
	_ = json.Unmarshal(b, &all)
	var keys []string
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []float64
	for _, k := range keys {
		if v, ok := all[k].(float64); ok {
			out = append(out, v)
		}
	}
	return out
}

func compareGolden(t *testing.T, what string, want, got []float64) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d numbers, want %d", what, len(got), len(want))
		return
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9*math.Max(math.Abs(want[i]), 1e-12) {
			t.Errorf("%s[%d] = %.17g, stored %.17g", what, i, got[i], want[i])
		}
	}
}
