package notebook

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocmt/cmt/lib/cmt"
	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/progress"
	"github.com/gocmt/cmt/lib/solver"
	"github.com/gomlx/compute"
)

// recorder is a fake notebook: it keeps every output block and every in-place update.
type recorder struct {
	blocks  []string
	updates map[string][]string
	order   []string // update ids in first-use order
}

func newRecorder() *recorder { return &recorder{updates: map[string][]string{}} }

func (r *recorder) output() Output {
	return Output{
		HTML: func(h string) { r.blocks = append(r.blocks, h) },
		Update: func(id, h string) {
			if _, ok := r.updates[id]; !ok {
				r.order = append(r.order, id)
			}
			r.updates[id] = append(r.updates[id], h)
		},
	}
}

// all is everything shown, the last state of each updated block included.
func (r *recorder) all() string {
	var sb strings.Builder
	for _, b := range r.blocks {
		sb.WriteString(b + "\n")
	}
	for _, id := range r.order {
		u := r.updates[id]
		sb.WriteString(u[len(u)-1] + "\n")
	}
	return sb.String()
}

// The settings cell must give each configuration its own run directory (a changed setting must never resume
// another configuration's checkpoints, while the same settings must find them again in the next cell), apply the
// quick overrides only in quick mode, and put runs and figures under $CMT_NOTEBOOK_OUT when set (the notebook test
// keeps the repository clean that way). A bad override must stop the cell with the preset's error.
func TestOpenSettingsAndDirectories(t *testing.T) {
	out := t.TempDir()
	t.Setenv(OutEnv, out)
	rec := newRecorder()
	cfg := Config{Name: "nb", Quick: "pre.steps=7,mid.steps=5", Out: rec.output()}
	quick := Open(cfg)
	again := Open(cfg)
	cfg.Full = true
	full := Open(cfg)
	cfg.Full, cfg.Quick = false, "pre.steps=8,mid.steps=5"
	other := Open(cfg)
	if quick.P.PreSteps != 7 || quick.P.MidSteps != 5 || full.P.PreSteps != 3000 || full.P.MidSteps != 1500 {
		t.Fatalf("quick pre/mid steps %d/%d (want 7/5), full %d/%d (want the preset's 3000/1500)",
			quick.P.PreSteps, quick.P.MidSteps, full.P.PreSteps, full.P.MidSteps)
	}
	if quick.RunDir != again.RunDir || quick.RunDir == full.RunDir || quick.RunDir == other.RunDir {
		t.Fatalf("run directories: quick %s, same again %s, full %s, other quick %s", quick.RunDir, again.RunDir, full.RunDir, other.RunDir)
	}
	if !strings.HasPrefix(quick.RunDir, filepath.Join(out, "runs", "nb")+"/quick-") || quick.FigDir != filepath.Join(out, "figures", "nb") {
		t.Fatalf("directories %s and %s are not under %s", quick.RunDir, quick.FigDir, out)
	}
	if _, err := os.Stat(filepath.Join(quick.Root, "go.mod")); err != nil {
		t.Fatalf("root %s has no go.mod", quick.Root)
	}

	code := 0
	exit, stderr = func(c int) { code = c; panic("exit") }, io.Discard
	defer func() { exit, stderr = os.Exit, os.Stderr }()
	func() {
		defer func() { _ = recover() }()
		Open(Config{Name: "nb", Quick: "pre.stepz=1", Out: rec.output()})
	}()
	if code != 1 || !strings.Contains(rec.all(), "unknown key") || !strings.Contains(rec.all(), "error:") {
		t.Fatalf("a bad override: exit code %d, output %q", code, rec.all())
	}
}

// A failing step must be visible in the notebook and end the cell's program with status 1 (the notebook test
// reads "exit status 1"), with the message escaped as HTML.
func TestFailShowsAndExits(t *testing.T) {
	rec := newRecorder()
	code := 0
	exit, stderr = func(c int) { code = c }, io.Discard
	defer func() { exit, stderr = os.Exit, os.Stderr }()
	b := &Book{Config: Config{Out: rec.output()}}
	b.Must(nil)
	if code != 0 || len(rec.blocks) != 0 {
		t.Fatal("Must(nil) showed or exited")
	}
	b.Must(errors.New("bad <input>"))
	if code != 1 || len(rec.blocks) != 1 || !strings.Contains(rec.blocks[0], "error: bad &lt;input&gt;") {
		t.Fatalf("exit %d, blocks %q", code, rec.blocks)
	}
}

// The watcher is the in-place progress bar and live loss plot: each stage gets one block, redrawn at most every
// redrawEvery (so a fast loop does not flood the notebook) and always at the end, where the plot becomes the
// stage's loss-curve figure, written to the figure directory. A sweep's arms share one block, each from a fresh
// plot under its own caption, and the sweep's summary replaces that block even when its last arm drew nothing
// (resumed from a checkpoint).
func TestWatcherDrawsInPlace(t *testing.T) {
	rec := newRecorder()
	b := &Book{Config: Config{Name: "nb", Out: rec.output()}, FigDir: t.TempDir()}
	w := newWatcher(b)
	clock := time.Unix(0, 0)
	w.now = func() time.Time { return clock }
	for step := 1; step <= 100; step++ {
		w.Loss("pretrain", step, math.Exp(-float64(step)/30))
		clock = clock.Add(50 * time.Millisecond)
		w.Progress("pretrain", progress.Status{Label: "pretrain", Done: step, Total: 100, Finished: step == 100})
	}
	w.Progress("midtrain", progress.Status{Done: 0, Total: 10})
	if len(rec.order) != 2 {
		t.Fatalf("want one block per stage, got %d", len(rec.order))
	}
	pre := rec.updates[rec.order[0]]
	// 100 steps × 50 ms = 5 s: one redraw per 400 ms plus the first and the final one.
	if len(pre) < 10 || len(pre) > 16 {
		t.Fatalf("pretrain block redrawn %d times, want about 5 s / 400 ms ≈ 13", len(pre))
	}
	last := pre[len(pre)-1]
	if !strings.Contains(last, "pre-training (EDM teacher)") || !strings.Contains(last, "<img") || strings.Contains(last, "<svg") {
		t.Fatalf("final block should hold the label and the loss-curve image: %.300s", last)
	}
	if !strings.Contains(pre[len(pre)-2], "<svg") {
		t.Fatal("the live block should hold the SVG loss plot")
	}
	if _, err := os.Stat(filepath.Join(b.FigDir, "pretrain_loss.png")); err != nil {
		t.Fatal("loss curve figure not written:", err)
	}
	if !strings.Contains(rec.updates[rec.order[1]][0], "waiting for the first steps") {
		t.Fatal("a stage with no loss yet should say so")
	}

	// Sweep arms: the same block, a fresh plot and caption per arm.
	w.arm("sweep-x", "arm 1: ")
	w.Loss("midtrain", 1, 1)
	w.Progress("midtrain", progress.Status{Done: 1, Total: 2, Finished: true})
	w.arm("sweep-x", "arm 2: ")
	w.Progress("midtrain", progress.Status{Done: 0, Total: 2, Finished: true})
	w.arm("sweep-x", "arm 3: ") // resumed: draws nothing
	w.replace("sweep-x", "summary")
	w.arm("", "")
	if len(rec.order) != 3 || len(rec.blocks) != 0 {
		t.Fatalf("sweep arms should share one new block, got %d blocks", len(rec.order))
	}
	arms := rec.updates[rec.order[2]]
	if !strings.Contains(arms[0], "arm 1: CMT mid-training") || !strings.Contains(arms[1], "arm 2: CMT mid-training") ||
		!strings.Contains(arms[1], "waiting for the first steps") || arms[len(arms)-1] != "summary" {
		t.Fatalf("arm blocks: %.200s | %.200s | last %.200s", arms[0], arms[1], arms[len(arms)-1])
	}
}

// The live loss plot is inline SVG: it must be well-formed XML (a broken tag would blank the output), label its
// axes, draw at most maxBins points whatever the number of steps, and survive non-finite or non-positive losses.
func TestLossSVG(t *testing.T) {
	var steps []int
	var loss []float64
	for s := 1; s <= 5000; s++ {
		steps = append(steps, s)
		l := 0.5 + 0.4*math.Sin(float64(s))
		switch s {
		case 7:
			l = math.NaN()
		case 8:
			l = -1
		case 9:
			l = math.Inf(1)
		}
		loss = append(loss, l)
	}
	for _, n := range []int{0, 1, 3, 5000} {
		svg := lossSVG(steps[:n], loss[:n], 5000, 420, 170)
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Fatalf("%d losses: SVG is not well-formed: %v\n%s", n, err, svg)
		}
		if !strings.Contains(svg, ">step<") || !strings.Contains(svg, "loss (log scale)") {
			t.Fatalf("%d losses: axis labels missing", n)
		}
		if n > 0 {
			_, pts, _ := strings.Cut(svg, `points="`)
			pts, _, _ = strings.Cut(pts, `"`)
			if k := len(strings.Fields(pts)); k < 1 || k > 150 {
				t.Fatalf("%d losses: %d plotted points", n, k)
			}
		}
	}
}

// Log-axis ticks: powers of ten when the range spans them, finer 1-2-5 marks on a narrow range, never more than 6.
func TestLogTickValues(t *testing.T) {
	cases := []struct {
		lo, hi float64
		want   []float64
	}{
		{-3.2, 0.1, []float64{0.001, 0.01, 0.1, 1}},
		{-0.5, 0.5, []float64{0.5, 1, 2}},
		{-12, 3, nil},
	}
	for _, c := range cases {
		got := logTickValues(c.lo, c.hi)
		if len(got) < 2 || len(got) > 6 {
			t.Fatalf("[%g, %g]: %d ticks %v", c.lo, c.hi, len(got), got)
		}
		for _, v := range got {
			if l := math.Log10(v); l < c.lo-1e-9 || l > c.hi+1e-9 {
				t.Fatalf("[%g, %g]: tick %g outside", c.lo, c.hi, v)
			}
		}
		if c.want != nil && !equalish(got, c.want) {
			t.Fatalf("[%g, %g]: ticks %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
}

func equalish(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9*math.Abs(b[i]) {
			return false
		}
	}
	return true
}

// Tables hold text, never markup: a cell or caption with HTML characters must be escaped.
func TestTableEscapes(t *testing.T) {
	h := tableHTML("a < b", []string{"x"}, [][]string{{"<script>"}})
	if strings.Contains(h, "<script>") || !strings.Contains(h, "&lt;script&gt;") || !strings.Contains(h, "a &lt; b") {
		t.Fatalf("not escaped: %s", h)
	}
}

// SolverErrors measures against a refSteps-step third-order solve of the exact mixture denoiser as "the exact flow
// map": that stands only if the reference has converged far below the errors it measures (≥ 1e-4 in the notebook).
// Checked by doubling the steps: the two solves must agree to 1e-6 RMS (measured 7.5e-7).
func TestReferenceSolveConverged(t *testing.T) {
	g := data.EightGaussians(data.DefaultRadius, data.DefaultStd)
	rng := rand.New(rand.NewPCG(3, 4))
	xT := make([]float64, 400)
	for i := range xT {
		xT[i] = 80 * rng.NormFloat64()
	}
	a, err := solver.Solve("dpm3-taylor", g, xT, 2, solver.LogSNRGrid(80, 0.002, refSteps))
	if err != nil {
		t.Fatal(err)
	}
	b, err := solver.Solve("dpm3-taylor", g, xT, 2, solver.LogSNRGrid(80, 0.002, 2*refSteps))
	if err != nil {
		t.Fatal(err)
	}
	if d := solver.RMS(a.End(), b.End(), 2); d > 1e-6 {
		t.Fatalf("reference moved by %.2e RMS when its steps doubled", d)
	}
}

// Config.Backend picks the backend: asking for XLA in a build without it (the notebooks' -tags=noxla) fails with
// what to do, and "go" gives the pure-Go backend.
func TestConfigBackend(t *testing.T) {
	t.Setenv(OutEnv, t.TempDir())
	t.Setenv("GOMLX_BACKEND", "")
	b := &Book{Config: Config{Name: "nb", Backend: "go"}}
	if err := b.backendOnce(); err != nil || b.Backend.String() != "go" {
		t.Fatalf("Backend go: %v, %v", b.Backend, err)
	}
	if slices.Contains(compute.List(), "xla") {
		return // this build has XLA: the message below is for -tags=noxla builds
	}
	b = &Book{Config: Config{Name: "nb", Backend: "xla:cuda"}}
	if err := b.backendOnce(); err == nil || !strings.Contains(err.Error(), "-tags=noxla") {
		t.Fatalf("xla:cuda in a noxla build: %v, want the %%goflags hint", err)
	}
}

// Book.Midtrain's settings step (apply): the notebook's own CMT keeps the notebook's run folder; a cell's other
// distance moves the cell to the run folder of those settings (as %% --set would), recorded in CellSet.
func TestMidtrainObjectiveSettings(t *testing.T) {
	t.Setenv(OutEnv, t.TempDir())
	rec := newRecorder()
	b := Open(Config{Name: "nb", Quick: "pre.steps=7,mid.steps=5", Out: rec.output()})
	dir := b.RunDir
	same, err := pipeline.CMT{Loss: cmt.Loss{Distance: distance.L2Sq, HuberC: b.P.MidHuberC}}.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.apply(same); err != nil || b.RunDir != dir || b.CellSet != "" {
		t.Fatalf("the notebook's own CMT: run folder %s → %s, cell settings %q, %v", dir, b.RunDir, b.CellSet, err)
	}
	other, _ := pipeline.CMT{Loss: cmt.Loss{Distance: distance.L2, HuberC: b.P.MidHuberC}}.Settings()
	if err := b.apply(other); err != nil || b.RunDir == dir || b.P.MidDistance != "l2" || !strings.Contains(b.CellSet, "mid.distance=l2") ||
		filepath.Dir(b.RunDir) != filepath.Dir(dir) || !strings.HasPrefix(filepath.Base(b.RunDir), "quick-") {
		t.Fatalf("another distance: run folder %s (was %s), mid.distance %q, cell settings %q, %v", b.RunDir, dir, b.P.MidDistance, b.CellSet, err)
	}
}
