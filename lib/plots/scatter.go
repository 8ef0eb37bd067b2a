package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScatterOnto adds pts (flat [n*2]) to p as small dots of colour c (nil =
// the first palette colour). Fully opaque colours get an automatic alpha
// that decreases with n; pass a color.NRGBA with A < 255 to choose it.
// Non-finite points are dropped; points outside p's axis limits are not
// drawn.
func ScatterOnto(p *plot.Plot, pts []float64, c color.Color) error {
	if p == nil {
		return errors.New("plots: ScatterOnto: nil plot")
	}
	if err := checkPoints("ScatterOnto", pts); err != nil {
		return err
	}
	xy, _ := finiteXYs(pts, 0)
	return addDots(p, xy, c, vg.Points(1.2))
}

// addDots adds xy as dots of radius r.
func addDots(p *plot.Plot, xy plotter.XYs, c color.Color, r vg.Length) error {
	if len(xy) == 0 {
		return nil
	}
	if c == nil {
		c = Palette[0]
	}
	s, err := plotter.NewScatter(xy)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	s.GlyphStyle = draw.GlyphStyle{Color: withAlpha(c, autoAlpha(len(xy))), Radius: r, Shape: draw.CircleGlyph{}}
	p.Add(s)
	return nil
}

// autoLim returns 1.05 × the largest finite |coordinate| over all slices,
// or 1 if there is none.
func autoLim(sets ...[]float64) float64 {
	m := 0.0
	for _, s := range sets {
		for _, v := range s {
			if finite(v) {
				m = math.Max(m, math.Abs(v))
			}
		}
	}
	if m == 0 {
		return 1
	}
	return 1.05 * m
}

// setLims fixes both axes to [-lim, lim] with the same nice ticks.
func setLims(p *plot.Plot, lim float64) {
	p.X.Min, p.X.Max = -lim, lim
	p.Y.Min, p.Y.Max = -lim, lim
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Marker = niceTicks{n: 7}
	p.Y.Tick.Marker = niceTicks{n: 7}
}

// Panel is one scatter panel: a title, points as flat [n*2] (x,y) pairs,
// and a colour (nil = default blue; opaque colours get automatic alpha).
type Panel struct {
	Title  string
	Points []float64 // [n*2]
	Color  color.Color
}

// PanelSize is the side of one square scatter panel.
const PanelSize = 4 * vg.Inch

// Scatter writes a PNG grid of square scatter panels, cols per row (cols
// <= 0: min(len(panels), 4)), each PanelSize square, all with axis limits
// [-lim, lim] (lim <= 0: chosen from the data). Points outside the limits
// or non-finite are not drawn; when there are any, the panel title says
// how many ("[k outside]").
func Scatter(path string, panels []Panel, cols int, lim float64) error {
	if len(panels) == 0 {
		return errors.New("plots: Scatter: no panels")
	}
	all := make([][]float64, len(panels))
	for i, pn := range panels {
		if err := checkPoints(fmt.Sprintf("Scatter panel %d (%q)", i, pn.Title), pn.Points); err != nil {
			return err
		}
		all[i] = pn.Points
	}
	if cols <= 0 {
		cols = min(len(panels), 4)
	}
	cols = min(cols, len(panels))
	rows := (len(panels) + cols - 1) / cols
	if !(lim > 0) || math.IsInf(lim, 0) {
		lim = autoLim(all...)
	}

	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		xy, out := finiteXYs(pn.Points, lim)
		title := pn.Title
		if out > 0 {
			title = fmt.Sprintf("%s [%d outside]", title, out)
		}
		p := newPlot(title, "x₁", "x₂")
		if err := addDots(p, xy, pn.Color, vg.Points(1.2)); err != nil {
			return err
		}
		setLims(p, lim)
		grid[i/cols][i%cols] = p
	}
	w, h := vg.Length(cols)*PanelSize, vg.Length(rows)*PanelSize
	return savePNG(path, w, h, func(dc draw.Canvas) {
		tiles := draw.Tiles{
			Rows: rows, Cols: cols,
			PadX: vg.Points(16), PadY: vg.Points(16),
			PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(14),
		}
		canvases := plot.Align(grid, tiles, dc)
		for r := range grid {
			for c, p := range grid[r] {
				if p != nil {
					p.Draw(canvases[r][c])
				}
			}
		}
	})
}
