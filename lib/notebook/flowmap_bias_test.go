package notebook

import (
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gocmt/cmt/lib/pipeline"
)

// writePNG writes a tiny PNG at path.
func writePNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
}

// FlowMapFigures must show the few-step figure and the two energy curves a flow-map run writes, inline, and
// refuse a consistency (ECT) run, whose figures are others.
func TestFlowMapFigures(t *testing.T) {
	dir := t.TempDir()
	p, err := pipeline.Lookup("toy2d-mf")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"fewstep", "energy_1step", "energy_2step"} {
		writePNG(t, filepath.Join(dir, p.Name+"_"+f+".png"))
	}
	rec := newRecorder()
	b := &Book{Config: Config{Out: rec.output()}}
	b.FlowMapFigures(&pipeline.Run{P: p, O: pipeline.Options{Figures: dir}})
	if got := strings.Count(rec.all(), "data:image/png;base64,"); len(rec.blocks) != 2 || got != 3 {
		t.Fatalf("%d blocks with %d images, want 2 blocks with 3 images", len(rec.blocks), got)
	}

	code := 0
	exit, stderr = func(c int) { code = c }, io.Discard
	defer func() { exit, stderr = os.Exit, os.Stderr }()
	ect, _ := pipeline.Lookup("toy2d")
	rec = newRecorder()
	b = &Book{Config: Config{Out: rec.output()}}
	b.FlowMapFigures(&pipeline.Run{P: ect, O: pipeline.Options{Figures: dir}})
	if code != 1 || !strings.Contains(rec.all(), "flow-map run") {
		t.Fatalf("an ECT run: exit %d, shown %q", code, rec.all())
	}
}

// The bias command's log (phases stamped "[  12 s] ...", progress bars redrawn with \r) must end as one block
// listing every phase, without the finished bars, and be redrawn at most every redrawEvery.
func TestLogProgress(t *testing.T) {
	log := "backend: go\n[    0 s] training\npretrain [==>   ] 1/3\rpretrain [====> ] 2/3\rpretrain [=====] 3/3 done\n" +
		"[   27 s] oracle <checks>\n[   40 s] gradients of cmt-300"
	clock := time.Unix(0, 0)
	lp := &logProgress{id: "x", now: func() time.Time { clock = clock.Add(100 * time.Millisecond); return clock }}
	var shown []string
	lp.follow(strings.NewReader(log), func(id, h string) {
		if id != "x" {
			t.Fatalf("block id %q", id)
		}
		shown = append(shown, h)
	})
	last := shown[len(shown)-1]
	for _, want := range []string{"[    0 s] training", "oracle &lt;checks&gt;", "[   40 s] gradients of cmt-300"} {
		if !strings.Contains(last, want) {
			t.Errorf("final block lacks %q:\n%s", want, last)
		}
	}
	if strings.Contains(last, "pretrain [") {
		t.Errorf("final block still shows a progress bar:\n%s", last)
	}
	if len(shown) > 3 { // 7 lines at 100 ms each: at most 2 redraws at 400 ms plus the final one
		t.Errorf("%d redraws of 7 lines, want ≤ 3", len(shown))
	}
	if got := lp.tail(2); len(got) != 2 || got[1] != "[   40 s] gradients of cmt-300" {
		t.Errorf("tail(2) = %q", got)
	}
}

// BiasSlopes must read the analysis' summary.json and show one row per initialisation with its fitted slopes
// (a fit the analysis could not make shown as a dash), and stop the cell when there is no analysis.
func TestBiasSlopes(t *testing.T) {
	code := 0
	exit, stderr = func(c int) { code = c }, io.Discard
	defer func() { exit, stderr = os.Exit, os.Stderr }()
	rec := newRecorder()
	b := &Book{Config: Config{Out: rec.output()}, RunDir: t.TempDir()}
	b.BiasSlopes()
	if code != 1 {
		t.Fatalf("no summary.json: exit %d", code)
	}
	if err := os.MkdirAll(b.biasDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	js := `{"t": 0.4, "n": 4096, "dts": [0.001, 0.002, 0.004], "spine_init": "cmt-300", "spine_dt": 0.00164,
		"slope_cmt": -0.02, "slope_cmt_se": 0.06, "slope_diffusion": -0.03, "slope_diffusion_se": 0.02,
		"bias_ratio_diffusion_over_cmt": 2.9, "bias_ratio_diffusion_over_cmt_se": 0.3,
		"inits": [{"init": "cmt-300", "eps": 0.109, "grad": {"norm": 0.086},
			"fits": {"ect": {"slope": -0.02, "se": 0.06}, "pair:ecd-euler": {"slope": 2.01, "se": 0.02}}}]}`
	if err := os.WriteFile(filepath.Join(b.biasDir(), "summary.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rec = 0, newRecorder()
	b.Out = rec.output()
	b.BiasSlopes()
	all := rec.all()
	for _, want := range []string{"cmt-300", "0.109", "-0.02 ± 0.06", "2.01 ± 0.02", "—", "3 Δt values", "2.9 ± 0.3"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
}
