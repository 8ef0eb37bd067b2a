package plots

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Dots draws the ablation figures: it must write a 6 × 4.5 in PNG at DPI (900 × 675 px) that is not blank, on a
// log axis with a missing (NaN) value and a reference line, and must refuse a series whose length does not match
// the categories (a silent misalignment would attach values to the wrong ablation arm) and a chart with nothing
// drawable.
func TestDots(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dots.png")
	cats := []string{"ℓ2²", "ℓ2", "pseudo-Huber"}
	series := []DotSeries{{Name: "1-step", Y: []float64{3e-4, 5e-4, math.NaN()}}, {Name: "2-step", Y: []float64{8e-4, 1e-3, 2e-3},
		Lo: []float64{5e-4, -1e-4, 1e-3}, Hi: []float64{1.1e-3, 2e-3, 3e-3}}} // intervals, one reaching below 0
	for _, connect := range []bool{false, true} {
		c := DotChart{Title: "loss metric", YLabel: "energy distance²", Categories: cats, Series: series,
			Refs: []RefLine{{"noise floor", 2e-4}}, LogY: true, Connect: connect}
		if err := Dots(path, c); err != nil {
			t.Fatal(err)
		}
		decode(t, path, 900, 675)
	}
	err := Dots(path, DotChart{Title: "bad", Categories: cats, Series: []DotSeries{{Name: "short", Y: []float64{1, 2}}}})
	if err == nil || !strings.Contains(err.Error(), "2 values (0 low, 0 high) for 3 categories") {
		t.Fatalf("want a length mismatch error, got %v", err)
	}
	if err := Dots(path, DotChart{Categories: cats, Series: []DotSeries{{Name: "neg", Y: []float64{-1, 0, math.NaN()}}}, LogY: true}); err == nil {
		t.Fatal("want an error when nothing is drawable on a log axis")
	}
	bad := DotSeries{Name: "lo", Y: []float64{1, 2, 3}, Lo: []float64{0, 1}, Hi: []float64{2, 3, 4}}
	if err := Dots(path, DotChart{Categories: cats, Series: []DotSeries{bad}}); err == nil {
		t.Fatal("want an error when the interval bounds do not match the categories")
	}
}

// The legend goes to the corner with the fewest drawn points: for a curve falling from the top left to the bottom
// right beside one that stays high (a convergence plot whose last curve plateaus) that is the bottom left, and with
// nothing drawn the default top right.
func TestEmptiestCorner(t *testing.T) {
	p := plot.New()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 10, 1e-4, 1
	var falling plotter.XYs
	for i := range 11 {
		falling = append(falling, plotter.XY{X: float64(i), Y: math.Pow(10, -0.4*float64(i))})
		falling = append(falling, plotter.XY{X: float64(i), Y: 0.5})
	}
	if top, left := emptiestCorner(p, falling, true); top || !left {
		t.Errorf("falling curves: legend at top=%v left=%v, want bottom left", top, left)
	}
	if top, left := emptiestCorner(p, nil, true); !top || left {
		t.Errorf("empty plot: legend at top=%v left=%v, want top right", top, left)
	}
}
