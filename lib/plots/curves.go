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
	padY(p, logY, 0.04)
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
