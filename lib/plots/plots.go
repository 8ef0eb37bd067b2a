// Package plots draws the PNG figures of the 2D workbench with gonum/plot:
// grids of scatter panels, sampling trajectories, and metric curves.
//
// Points are flat []float64 slices of length n*2 laid out x0,y0,x1,y1,...
// Figures are written at 150 dpi with a sans-serif font sized for 4-6 inch
// panels. Files are written atomically (temporary file + rename).
// Non-finite coordinates are never drawn.
package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// DPI is the resolution of the written PNG files.
const DPI = 150

// Font sizes in points.
const (
	titleSize  = 14
	labelSize  = 13
	tickSize   = 11
	legendSize = 11
)

var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Palette is the colour cycle used for series and paths (Tableau 10).
var Palette = []color.RGBA{
	{31, 119, 180, 255},  // blue
	{255, 127, 14, 255},  // orange
	{44, 160, 44, 255},   // green
	{214, 39, 40, 255},   // red
	{148, 103, 189, 255}, // purple
	{140, 86, 75, 255},   // brown
	{227, 119, 194, 255}, // pink
	{127, 127, 127, 255}, // grey
	{188, 189, 34, 255},  // olive
	{23, 190, 207, 255},  // cyan
}

// paletteColor returns the i-th palette colour, cycling.
func paletteColor(i int) color.RGBA { return Palette[i%len(Palette)] }

// dashes is the dash cycle for curves (lengths in points).
var dashes = [][]vg.Length{
	nil,
	{vg.Points(6), vg.Points(3)},
	{vg.Points(2), vg.Points(2)},
	{vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)},
	{vg.Points(12), vg.Points(4)},
}

// shapes is the marker cycle for curves.
var shapes = []draw.GlyphDrawer{
	draw.CircleGlyph{},
	draw.SquareGlyph{},
	draw.TriangleGlyph{},
	draw.PyramidGlyph{},
	draw.CrossGlyph{},
	draw.BoxGlyph{},
	draw.RingGlyph{},
	draw.PlusGlyph{},
}

// newPlot returns a plot with the package's fonts, title and axis labels.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansFont, titleSize)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sansFont, labelSize)
		a.Tick.Label.Font = font.From(sansFont, tickSize)
		a.Label.Padding = vg.Points(3)
	}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.TextStyle.Font = font.From(sansFont, legendSize)
	return p
}

// withAlpha returns c as non-premultiplied colour with alpha a in [0,1],
// unless c is already translucent, in which case it is kept.
func withAlpha(c color.Color, a float64) color.NRGBA {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	if n.A == 255 {
		n.A = uint8(math.Round(255 * math.Max(0, math.Min(1, a))))
	}
	return n
}

// checkPoints validates a flat [n*2] point slice.
func checkPoints(what string, pts []float64) error {
	if len(pts)%2 != 0 {
		return fmt.Errorf("plots: %s: odd length %d, want n*2 coordinates", what, len(pts))
	}
	return nil
}

// finiteXYs converts flat [n*2] points to XYs, dropping non-finite pairs
// and, if lim > 0, pairs with |x| > lim or |y| > lim. It returns the
// number of dropped points.
func finiteXYs(pts []float64, lim float64) (plotter.XYs, int) {
	xy := make(plotter.XYs, 0, len(pts)/2)
	for i := 0; i+1 < len(pts); i += 2 {
		x, y := pts[i], pts[i+1]
		if !finite(x) || !finite(y) || (lim > 0 && (math.Abs(x) > lim || math.Abs(y) > lim)) {
			continue
		}
		xy = append(xy, plotter.XY{X: x, Y: y})
	}
	return xy, len(pts)/2 - len(xy)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// autoAlpha picks a dot opacity for n points: opaque for a few hundred,
// fainter for dense clouds.
func autoAlpha(n int) float64 {
	if n <= 0 {
		return 0.8
	}
	return math.Max(0.15, math.Min(0.8, 800/float64(n)))
}

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

// Trajectories writes a square PNG (5 in) of sampling paths over faint grey
// background points (flat [n*2], may be empty). Each path is flat
// [steps*2] (x,y at each step, from noise to sample), drawn as a line in a
// cycling colour with a ring at its start (noise) and a dot at its end
// (sample). Axis limits are [-lim, lim] (lim <= 0: chosen from the data);
// lines are clipped at the limits.
func Trajectories(path, title string, background []float64, paths [][]float64, lim float64) error {
	if len(paths) == 0 {
		return errors.New("plots: Trajectories: no paths")
	}
	if err := checkPoints("Trajectories background", background); err != nil {
		return err
	}
	for i, pa := range paths {
		if len(pa) == 0 {
			return fmt.Errorf("plots: Trajectories: path %d is empty", i)
		}
		if err := checkPoints(fmt.Sprintf("Trajectories path %d", i), pa); err != nil {
			return err
		}
	}
	if !(lim > 0) || math.IsInf(lim, 0) {
		lim = autoLim(append([][]float64{background}, paths...)...)
	}
	p := newPlot(title, "x₁", "x₂")
	bg, _ := finiteXYs(background, lim)
	grey := color.NRGBA{150, 150, 150, 255}
	if err := addDots(p, bg, withAlpha(grey, 0.6*autoAlpha(len(bg))), vg.Points(1.2)); err != nil {
		return err
	}
	ringR, dotR := vg.Points(3), vg.Points(2.5)
	for i, pa := range paths {
		xy, _ := finiteXYs(pa, 0)
		if len(xy) == 0 {
			continue
		}
		col := paletteColor(i)
		if len(xy) > 1 {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return fmt.Errorf("plots: %w", err)
			}
			l.LineStyle = draw.LineStyle{Color: withAlpha(col, 0.85), Width: vg.Points(1.2)}
			p.Add(l)
		}
		ends, err := plotter.NewScatter(plotter.XYs{xy[0]})
		if err != nil {
			return fmt.Errorf("plots: %w", err)
		}
		ends.GlyphStyle = draw.GlyphStyle{Color: col, Radius: ringR, Shape: draw.RingGlyph{}}
		last, err := plotter.NewScatter(plotter.XYs{xy[len(xy)-1]})
		if err != nil {
			return fmt.Errorf("plots: %w", err)
		}
		last.GlyphStyle = draw.GlyphStyle{Color: col, Radius: dotR, Shape: draw.CircleGlyph{}}
		p.Add(ends, last)
	}
	setLims(p, lim)

	var leg []legendItem
	if len(bg) > 0 {
		leg = append(leg, legendItem{"data", []plot.Thumbnailer{glyphThumb{draw.GlyphStyle{Color: grey, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}}}})
	}
	leg = append(leg,
		legendItem{"start (noise)", []plot.Thumbnailer{glyphThumb{draw.GlyphStyle{Color: color.Black, Radius: ringR, Shape: draw.RingGlyph{}}}}},
		legendItem{"end (sample)", []plot.Thumbnailer{glyphThumb{draw.GlyphStyle{Color: color.Black, Radius: dotR, Shape: draw.CircleGlyph{}}}}},
	)
	side := 5 * vg.Inch
	return savePNG(path, side, side, func(dc draw.Canvas) {
		dc = draw.Crop(dc, vg.Points(4), -vg.Points(12), vg.Points(4), -vg.Points(4))
		p.Draw(dc)
		drawLegend(p, p.DataCanvas(dc), leg, true, true)
	})
}

// Series is one curve: Y[i] at X[i] (same length), e.g. a metric vs step.
type Series struct {
	Name string
	X, Y []float64
}

// maxMarkers is the most point markers drawn per series; longer series get
// markers on an evenly spaced subset of their points.
const maxMarkers = 40

// Curves writes a PNG (6 × 4.5 in) of metric curves: one line plus point
// markers per series, with distinct colours, dash patterns and marker
// shapes, and a legend when there is more than one series. Non-finite
// points are dropped; with logY the y axis is logarithmic and
// non-positive y values are silently dropped too. It is an error if a
// series has mismatched X/Y lengths or nothing at all is left to draw.
func Curves(path, title, xlabel, ylabel string, series []Series, logY bool) error {
	if len(series) == 0 {
		return errors.New("plots: Curves: no series")
	}
	styles := make([]curveStyle, len(series))
	for i := range series {
		col := paletteColor(i)
		styles[i] = curveStyle{
			line:    draw.LineStyle{Color: col, Width: vg.Points(1.6), Dashes: dashes[i%len(dashes)]},
			glyph:   draw.GlyphStyle{Color: col, Radius: vg.Points(2.6), Shape: shapes[i%len(shapes)]},
			markers: true,
		}
	}
	return drawCurves(path, title, xlabel, ylabel, series, styles, logY, len(series) > 1)
}

// drawYLabel draws p's y-axis label itself, rotated, along the left edge of dc, clears it from p, and returns the
// rest of the canvas to p.Draw and then to then (e.g. a legend placed on p.DataCanvas), label still cleared.
// gonum/plot v0.17 places the rotated label's glyph box at the *arithmetic* middle of
// the axis range, which on a log axis sits near the top and pushes the whole data area down (seen as a wide empty
// band under the title).
func drawYLabel(p *plot.Plot, dc draw.Canvas, then func(rest draw.Canvas)) {
	text := p.Y.Label.Text
	if text == "" {
		p.Draw(dc)
		then(dc)
		return
	}
	sty := p.Y.Label.TextStyle
	sty.Rotation = math.Pi / 2
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	h := p.Y.Label.TextStyle.Height(text)
	dc.FillText(sty, vg.Point{X: dc.Min.X, Y: (dc.Min.Y + dc.Max.Y) / 2}, text)
	p.Y.Label.Text = ""
	rest := draw.Crop(dc, h+p.Y.Label.Padding, 0, 0, 0)
	p.Draw(rest)
	then(rest)
	p.Y.Label.Text = text
}

// curvePoints are the points of all series plus the midpoints of their segments (geometric in y on a log axis):
// what a legend box would hide.
func curvePoints(series []Series, logY bool) plotter.XYs {
	var pts plotter.XYs
	for _, s := range series {
		xy := curveXYs(s, logY)
		for j, pt := range xy {
			pts = append(pts, pt)
			if j > 0 {
				my := (pt.Y + xy[j-1].Y) / 2
				if logY {
					my = math.Sqrt(pt.Y * xy[j-1].Y)
				}
				pts = append(pts, plotter.XY{X: (pt.X + xy[j-1].X) / 2, Y: my})
			}
		}
	}
	return pts
}

// curveStyle is how one series is drawn.
type curveStyle struct {
	line    draw.LineStyle
	glyph   draw.GlyphStyle
	markers bool
}

// curveXYs returns the finite points of s (positive y only if logY).
func curveXYs(s Series, logY bool) plotter.XYs {
	xy := make(plotter.XYs, 0, len(s.X))
	for j := range s.X {
		x, y := s.X[j], s.Y[j]
		if !finite(x) || !finite(y) || (logY && y <= 0) {
			continue
		}
		xy = append(xy, plotter.XY{X: x, Y: y})
	}
	return xy
}

// drawCurves is Curves with explicit per-series styles.
func drawCurves(path, title, xlabel, ylabel string, series []Series, styles []curveStyle, logY, legend bool) error {
	p := newPlot(title, xlabel, ylabel)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{225}
	grid.Horizontal.Color = color.Gray{225}
	p.Add(grid)
	var leg []legendItem
	total := 0
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plots: Curves: series %d (%q): len(X)=%d != len(Y)=%d", i, s.Name, len(s.X), len(s.Y))
		}
		xy := curveXYs(s, logY)
		total += len(xy)
		st := styles[i]
		if len(xy) > 0 {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return fmt.Errorf("plots: %w", err)
			}
			l.LineStyle = st.line
			p.Add(l)
			if st.markers {
				m, err := plotter.NewScatter(subsample(xy, maxMarkers))
				if err != nil {
					return fmt.Errorf("plots: %w", err)
				}
				m.GlyphStyle = st.glyph
				p.Add(m)
			}
		}
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", i)
		}
		thumbs := []plot.Thumbnailer{lineThumb{st.line}}
		if st.markers {
			thumbs = append(thumbs, glyphThumb{st.glyph})
		}
		leg = append(leg, legendItem{name, thumbs})
	}
	if total == 0 {
		return errors.New("plots: Curves: no finite (and, for log y, positive) points to draw")
	}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		// Pad by 4% of the log range (5% if flat) so extremes clear the frame.
		f := math.Pow(p.Y.Max/p.Y.Min, 0.04)
		if p.Y.Max/p.Y.Min < 1.001 {
			f = 1.05
		}
		p.Y.Min, p.Y.Max = p.Y.Min/f, p.Y.Max*f
	} else {
		if p.Y.Min == p.Y.Max {
			p.Y.Min, p.Y.Max = p.Y.Min-1, p.Y.Max+1
		}
		d := 0.04 * (p.Y.Max - p.Y.Min)
		p.Y.Min, p.Y.Max = p.Y.Min-d, p.Y.Max+d
		p.Y.Tick.Marker = niceTicks{n: 7}
	}
	if p.X.Min == p.X.Max {
		p.X.Min, p.X.Max = p.X.Min-1, p.X.Max+1
	}
	p.X.Tick.Marker = niceTicks{n: 7}
	if !legend {
		leg = nil
	}
	top, left := emptiestCorner(p, curvePoints(series, logY), logY)
	return savePNG(path, 6*vg.Inch, 4.5*vg.Inch, func(dc draw.Canvas) {
		dc = draw.Crop(dc, vg.Points(4), -vg.Points(14), vg.Points(4), -vg.Points(4))
		drawYLabel(p, dc, func(rest draw.Canvas) { drawLegend(p, p.DataCanvas(rest), leg, top, left) })
	})
}

// LossCurve writes a loss-vs-step PNG (6 × 4.5 in) with a logarithmic y
// axis; non-positive and non-finite losses are dropped. steps and loss have
// the same length. Up to 200 points are drawn as a line with markers;
// longer (noisy) runs are drawn as a faint raw line plus a bold centred
// moving average of log(loss) over a window of about 2% of the points.
func LossCurve(path, title string, steps, loss []float64) error {
	if len(steps) != len(loss) {
		return fmt.Errorf("plots: LossCurve: len(steps)=%d != len(loss)=%d", len(steps), len(loss))
	}
	raw := Series{Name: "loss", X: steps, Y: loss}
	xy := curveXYs(raw, true)
	if len(xy) <= 200 {
		return Curves(path, title, "step", "loss", []Series{raw}, true)
	}
	w := max(5, len(xy)/50) | 1
	sm := Series{Name: fmt.Sprintf("moving average (%d pts)", w), X: make([]float64, len(xy)), Y: logMovingAverage(xy, w)}
	rx, ry := make([]float64, len(xy)), make([]float64, len(xy))
	for i, p := range xy {
		sm.X[i], rx[i], ry[i] = p.X, p.X, p.Y
	}
	col := Palette[0]
	styles := []curveStyle{
		{line: draw.LineStyle{Color: withAlpha(col, 0.3), Width: vg.Points(0.6)}},
		{line: draw.LineStyle{Color: Palette[3], Width: vg.Points(2)}},
	}
	return drawCurves(path, title, "step", "loss", []Series{{"raw", rx, ry}, sm}, styles, true, true)
}

// logMovingAverage returns exp of the centred moving average of log(y) over
// w points (window clipped at the ends); y > 0.
func logMovingAverage(xy plotter.XYs, w int) []float64 {
	n := len(xy)
	cum := make([]float64, n+1)
	for i, p := range xy {
		cum[i+1] = cum[i] + math.Log(p.Y)
	}
	out := make([]float64, n)
	h := w / 2
	for i := range out {
		lo, hi := max(0, i-h), min(n, i+h+1)
		out[i] = math.Exp((cum[hi] - cum[lo]) / float64(hi-lo))
	}
	return out
}

// subsample returns at most n evenly spaced points of xy, always keeping
// the first and the last.
func subsample(xy plotter.XYs, n int) plotter.XYs {
	if len(xy) <= n {
		return xy
	}
	out := make(plotter.XYs, n)
	for i := range n {
		out[i] = xy[i*(len(xy)-1)/(n-1)]
	}
	return out
}

// legendItem is one legend entry.
type legendItem struct {
	name   string
	thumbs []plot.Thumbnailer
}

// lineThumb draws a short line in a legend.
type lineThumb struct{ ls draw.LineStyle }

func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(t.ls, c.Min.X, y, c.Max.X, y)
}

// glyphThumb draws one glyph in a legend.
type glyphThumb struct{ gs draw.GlyphStyle }

func (t glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyphNoClip(t.gs, c.Center()) }

// drawLegend draws items in a box with a translucent white background in
// a corner of the data canvas dc (top/left choose the corner).
func drawLegend(p *plot.Plot, dc draw.Canvas, items []legendItem, top, left bool) {
	if len(items) == 0 {
		return
	}
	l := plot.NewLegend()
	l.TextStyle = p.Legend.TextStyle
	l.ThumbnailWidth = vg.Points(26)
	l.Padding = vg.Points(2)
	l.Top, l.Left = top, left
	sty := l.TextStyle
	var textW, entH vg.Length
	for _, it := range items {
		l.Add(it.name, it.thumbs...)
		r := sty.Rectangle(" " + it.name)
		textW = max(textW, r.Max.X)
		entH = max(entH, sty.Rectangle(it.name).Max.Y)
	}
	desc := sty.FontExtents().Descent
	inset, pad := vg.Points(8), vg.Points(4)
	w := l.ThumbnailWidth + textW
	h := vg.Length(len(items))*entH + vg.Length(len(items)-1)*l.Padding + desc
	inner := draw.Crop(dc, inset, -inset, inset, -inset)
	var box vg.Rectangle
	if left {
		box.Min.X = inner.Min.X
	} else {
		box.Min.X = inner.Max.X - w
	}
	if top {
		box.Min.Y = inner.Max.Y - h
	} else {
		box.Min.Y = inner.Min.Y
	}
	box.Max = vg.Point{X: box.Min.X + w, Y: box.Min.Y + h}
	bg := []vg.Point{
		{X: box.Min.X - pad, Y: box.Min.Y - pad}, {X: box.Max.X + pad, Y: box.Min.Y - pad},
		{X: box.Max.X + pad, Y: box.Max.Y + pad}, {X: box.Min.X - pad, Y: box.Max.Y + pad},
	}
	dc.FillPolygon(color.NRGBA{255, 255, 255, 220}, bg)
	dc.StrokeLines(draw.LineStyle{Color: color.Gray{190}, Width: vg.Points(0.6)}, append(bg, bg[0]))
	if !top {
		// Legend.Draw stacks bottom-anchored entries from the canvas bottom.
		inner.Min.Y += desc
	}
	l.Draw(inner)
}

// savePNG renders draw onto a w×h canvas at DPI and writes it to path
// atomically, creating parent directories. Panics inside gonum/plot are
// returned as errors.
func savePNG(path string, w, h vg.Length, drawFn func(draw.Canvas)) (err error) {
	if path == "" {
		return errors.New("plots: empty output path")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: drawing %s: %v", path, r)
		}
	}()
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(DPI))
	dc := draw.New(img)
	drawFn(dc)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	tmp := f.Name()
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("plots: writing %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("plots: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("plots: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}
