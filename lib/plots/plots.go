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

// padY sets p's y axis to log scale (logY) or linear with nice ticks, and pads its range by frac of the (log) range
// so extremes clear the frame (5 % when the range is flat).
func padY(p *plot.Plot, logY bool, frac float64) {
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		f := math.Pow(p.Y.Max/p.Y.Min, frac)
		if p.Y.Max/p.Y.Min < 1.001 {
			f = 1.05
		}
		p.Y.Min, p.Y.Max = p.Y.Min/f, p.Y.Max*f
		return
	}
	if p.Y.Min == p.Y.Max {
		p.Y.Min, p.Y.Max = p.Y.Min-1, p.Y.Max+1
	}
	d := frac * (p.Y.Max - p.Y.Min)
	p.Y.Min, p.Y.Max = p.Y.Min-d, p.Y.Max+d
	p.Y.Tick.Marker = niceTicks{n: 7}
}
