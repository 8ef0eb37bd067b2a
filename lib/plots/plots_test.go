package plots

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// decode opens a PNG and checks its size and that it is not one colour.
func decode(t *testing.T, path string, wantW, wantH int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() != wantW || b.Dy() != wantH {
		t.Errorf("%s: size %dx%d, want %dx%d", path, b.Dx(), b.Dy(), wantW, wantH)
	}
	first := img.At(b.Min.X, b.Min.Y)
	r0, g0, b0, _ := first.RGBA()
	colours := 0
	for y := b.Min.Y; y < b.Max.Y && colours == 0; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bb, _ := img.At(x, y).RGBA()
			if r != r0 || g != g0 || bb != b0 {
				colours++
				break
			}
		}
	}
	if colours == 0 {
		t.Errorf("%s: image is a single colour", path)
	}
	return img
}

// gaussMix returns n points of a 2D mixture of 8 Gaussians on a circle.
func gaussMix(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	pts := make([]float64, 2*n)
	for i := range n {
		a := 2 * math.Pi * float64(r.IntN(8)) / 8
		pts[2*i] = 2*math.Cos(a) + 0.15*r.NormFloat64()
		pts[2*i+1] = 2*math.Sin(a) + 0.15*r.NormFloat64()
	}
	return pts
}

func noise(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 2))
	pts := make([]float64, 2*n)
	for i := range pts {
		pts[i] = r.NormFloat64()
	}
	return pts
}

// px is the pixel size of l inches at DPI.
func px(inches float64) int { return int(math.Ceil(inches * DPI)) }

func TestScatter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "scatter.png")
	far := append(gaussMix(500, 3), 10, 10, math.NaN(), 0)
	panels := []Panel{
		{Title: "data", Points: gaussMix(1000, 1)},
		{Title: "1 step", Points: gaussMix(1000, 2), Color: color.RGBA{214, 39, 40, 255}},
		{Title: "with outliers", Points: far, Color: color.NRGBA{44, 160, 44, 80}},
	}
	if err := Scatter(path, panels, 2, 3); err != nil {
		t.Fatal(err)
	}
	decode(t, path, px(8), px(8)) // 2 cols × 2 rows of 4 in
	if err := Scatter(path, panels[:1], 0, 0); err != nil {
		t.Fatal(err)
	}
	decode(t, path, px(4), px(4))
	if err := Scatter(path, nil, 2, 3); err == nil {
		t.Error("want error for no panels")
	}
	if err := Scatter(path, []Panel{{Points: []float64{1, 2, 3}}}, 1, 3); err == nil || !strings.Contains(err.Error(), "odd") {
		t.Errorf("want odd-length error, got %v", err)
	}
	p := plot.New()
	if err := ScatterOnto(p, []float64{1}, nil); err == nil {
		t.Error("ScatterOnto: want odd-length error")
	}
	if err := ScatterOnto(p, []float64{1, 2}, nil); err != nil {
		t.Error(err)
	}
}

func TestTrajectories(t *testing.T) {
	path := filepath.Join(t.TempDir(), "traj.png")
	starts := noise(12, 5)
	paths := make([][]float64, 12)
	for i := range paths {
		x0, y0 := starts[2*i], starts[2*i+1]
		a := 2 * math.Pi * float64(i%8) / 8
		x1, y1 := 2*math.Cos(a), 2*math.Sin(a)
		const steps = 20
		pa := make([]float64, 0, 2*steps)
		for s := range steps {
			u := float64(s) / (steps - 1)
			pa = append(pa, (1-u)*x0+u*x1+0.1*math.Sin(7*u), (1-u)*y0+u*y1)
		}
		paths[i] = pa
	}
	if err := Trajectories(path, "sampling paths", gaussMix(1000, 4), paths, 3); err != nil {
		t.Fatal(err)
	}
	decode(t, path, px(5), px(5))
	if err := Trajectories(path, "t", nil, nil, 3); err == nil {
		t.Error("want error for no paths")
	}
	if err := Trajectories(path, "t", nil, [][]float64{{0, 0, 1}}, 3); err == nil {
		t.Error("want error for odd path")
	}
	if err := Trajectories(path, "t", []float64{1}, paths, 3); err == nil {
		t.Error("want error for odd background")
	}
}

func TestCurves(t *testing.T) {
	dir := t.TempDir()
	steps := make([]float64, 200)
	a, b, c := make([]float64, 200), make([]float64, 200), make([]float64, 200)
	for i := range steps {
		steps[i] = float64(i * 500)
		a[i] = 2 * math.Exp(-float64(i)/40)
		b[i] = 1.5*math.Exp(-float64(i)/60) + 0.01
		c[i] = 1 / (1 + float64(i))
	}
	b[10] = -1 // dropped on log axes
	b[11] = math.NaN()
	series := []Series{{"CMT", steps, a}, {"baseline", steps, b}, {"", steps[:50], c[:50]}}
	for _, logY := range []bool{false, true} {
		path := filepath.Join(dir, "curves.png")
		if err := Curves(path, "FID vs step", "step", "FID", series, logY); err != nil {
			t.Fatalf("logY=%v: %v", logY, err)
		}
		decode(t, path, px(6), px(4.5))
	}
	path := filepath.Join(dir, "loss.png")
	if err := LossCurve(path, "training loss", steps, a); err != nil {
		t.Fatal(err)
	}
	decode(t, path, px(6), px(4.5))

	if err := Curves(path, "t", "x", "y", nil, false); err == nil {
		t.Error("want error for no series")
	}
	if err := Curves(path, "t", "x", "y", []Series{{"a", []float64{1, 2}, []float64{1}}}, false); err == nil {
		t.Error("want error for mismatched lengths")
	}
	if err := LossCurve(path, "t", []float64{1, 2}, []float64{0, -1}); err == nil {
		t.Error("want error when no positive loss is left")
	}
	if err := LossCurve(path, "t", nil, nil); err == nil {
		t.Error("want error for empty loss")
	}
	// A single point and a constant series must not fail.
	if err := Curves(path, "t", "x", "y", []Series{{"a", []float64{3}, []float64{5}}}, false); err != nil {
		t.Error(err)
	}
	if err := LossCurve(path, "t", []float64{1, 2, 3}, []float64{0.5, 0.5, 0.5}); err != nil {
		t.Error(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
}

func TestLogTicks(t *testing.T) {
	for _, r := range [][2]float64{{1e-4, 2}, {0.02, 0.08}, {0.031, 0.034}, {1e-12, 1e6}, {0.3, 7}, {5, 5.0001}} {
		ts := logTicks{}.Ticks(r[0], r[1])
		n := 0
		for _, tk := range ts {
			if tk.Label != "" && tk.Value >= r[0]*(1-1e-9) && tk.Value <= r[1]*(1+1e-9) {
				n++
			}
		}
		if n < 2 && r[1]/r[0] > 1.001 {
			t.Errorf("range %v: only %d labelled ticks: %v", r, n, ts)
		}
		if n > 12 {
			t.Errorf("range %v: %d labelled ticks is too many", r, n)
		}
	}
	for v, want := range map[float64]string{1e-5: "1e-5", 2.5e-7: "2.5e-7", 0.02: "0.02", 1e6: "1e6", 300: "300"} {
		if got := formatNumber(v, false); got != want {
			t.Errorf("formatNumber(%g) = %q, want %q", v, got, want)
		}
	}
	for _, r := range [][2]float64{{-3.5, 3.5}, {0, 299000}, {0.0271, 0.0389}, {-1, 1}, {1, 1.0001}} {
		var labs []string
		for _, tk := range (niceTicks{n: 7}).Ticks(r[0], r[1]) {
			if tk.Label != "" {
				labs = append(labs, tk.Label)
			}
		}
		if len(labs) < 3 || len(labs) > 7 {
			t.Errorf("niceTicks %v: labels %v", r, labs)
		}
	}
	if got := formatNumber(25000, true); got != "25k" {
		t.Errorf("si: %q", got)
	}
}

// TestLook renders one example of each figure to $PLOTS_LOOK for a visual
// check: PLOTS_LOOK=/tmp/plots-look go test -run Look ./lib/plots
func TestLook(t *testing.T) {
	dir := os.Getenv("PLOTS_LOOK")
	if dir == "" {
		t.Skip("set PLOTS_LOOK=dir to render example figures")
	}
	var panels []Panel
	for i, name := range []string{"data", "noise", "CMT 1-step", "CMT 2-step", "baseline 1-step", "mean flow"} {
		pts := gaussMix(5000, uint64(i))
		if i == 1 {
			pts = noise(5000, 9)
		}
		if i == 4 {
			pts = append(pts, 5, 5, -4, 0)
		}
		panels = append(panels, Panel{Title: name, Points: pts})
	}
	panels[0].Color = color.Black
	if err := Scatter(filepath.Join(dir, "scatter.png"), panels, 3, 3.5); err != nil {
		t.Fatal(err)
	}
	starts := noise(16, 5)
	paths := make([][]float64, 16)
	for i := range paths {
		x0, y0 := starts[2*i], starts[2*i+1]
		a := 2 * math.Pi * float64(i%8) / 8
		x1, y1 := 2*math.Cos(a), 2*math.Sin(a)
		for s := range 30 {
			u := float64(s) / 29
			paths[i] = append(paths[i], (1-u)*x0+u*x1+0.3*math.Sin(math.Pi*u), (1-u)*y0+u*y1)
		}
	}
	if err := Trajectories(filepath.Join(dir, "trajectories.png"), "ODE paths, 30 steps", gaussMix(4000, 7), paths, 3.5); err != nil {
		t.Fatal(err)
	}
	steps := make([]float64, 300)
	var ser []Series
	for j, name := range []string{"CMT (ours)", "consistency training", "mean flow from scratch", "flow map"} {
		y := make([]float64, 300)
		for i := range y {
			steps[i] = float64(i) * 1000
			y[i] = (30+10*float64(j))*math.Exp(-float64(i)/(30+20*float64(j))) + 2 + float64(j)
		}
		ser = append(ser, Series{name, steps, y})
	}
	if err := Curves(filepath.Join(dir, "curves.png"), "Sliced Wasserstein vs step", "training step", "SW distance", ser, false); err != nil {
		t.Fatal(err)
	}
	if err := Curves(filepath.Join(dir, "curves_log.png"), "Sliced Wasserstein vs step", "training step", "SW distance", ser, true); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	loss := make([]float64, 20000)
	st := make([]float64, 20000)
	for i := range loss {
		st[i] = float64(i)
		loss[i] = (0.5*math.Exp(-float64(i)/3000) + 0.02) * math.Exp(0.3*r.NormFloat64())
	}
	if err := LossCurve(filepath.Join(dir, "loss.png"), "training loss", st, loss); err != nil {
		t.Fatal(err)
	}
	narrow := make([]float64, 100)
	for i := range narrow {
		narrow[i] = 0.031 + 0.003*float64(i)/100
	}
	if err := LossCurve(filepath.Join(dir, "loss_narrow.png"), "narrow loss range", st[:100], narrow); err != nil {
		t.Fatal(err)
	}
}
