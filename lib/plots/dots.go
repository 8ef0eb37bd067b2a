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

// DotSeries is one measured quantity across the categories of a Dots chart: Y[i] belongs to category i (NaN or,
// on a log axis, non-positive = not drawn).
type DotSeries struct {
	Name string
	Y    []float64
	// Lo and Hi, when set (one per category), are an interval around Y drawn as a vertical bar, e.g. the 95 %
	// interval over seeds.
	Lo, Hi []float64
}

// RefLine is a horizontal reference level, e.g. a noise floor.
type RefLine struct {
	Name string
	Y    float64
}

// DotChart describes a Dots figure.
type DotChart struct {
	Title, XLabel, YLabel string
	Categories            []string // along x, evenly spaced, in order
	Series                []DotSeries
	Refs                  []RefLine
	LogY                  bool
	Connect               bool // join each series' markers with a line (ordered categories, e.g. 4, 8, 16 steps)
}

// Dots writes a PNG (4.5 in high, 6 in wide or ¾ in per category if wider) comparing named categories — the arms of an ablation, or step counts — along the
// x axis: each series is a marker per category (its own colour and shape, side by side within a category when not
// connected), each reference a dashed grey horizontal line, with a legend naming both. It is an error when a
// series does not have one value per category or nothing is left to draw.
func Dots(path string, c DotChart) error {
	categories, series, refs, logY := c.Categories, c.Series, c.Refs, c.LogY
	if len(categories) == 0 || len(series) == 0 {
		return errors.New("plots: Dots: no categories or no series")
	}
	p := newPlot(c.Title, c.XLabel, c.YLabel)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = color.Gray{225}
	p.Add(grid)
	var leg []legendItem
	var drawn plotter.XYs // every marker and line vertex, to keep the legend off them
	total := 0
	width := 0.5 // the spread of one category's markers, in category units
	if c.Connect {
		width = 0
	}
	for i, s := range series {
		if len(s.Y) != len(categories) || (s.Lo != nil && len(s.Lo) != len(s.Y)) || (s.Hi != nil && len(s.Hi) != len(s.Y)) {
			return fmt.Errorf("plots: Dots: series %q has %d values (%d low, %d high) for %d categories", s.Name, len(s.Y),
				len(s.Lo), len(s.Hi), len(categories))
		}
		off := 0.0
		if len(series) > 1 {
			off = width * (float64(i)/float64(len(series)-1) - 0.5)
		}
		var xy plotter.XYs
		for c, y := range s.Y {
			if finite(y) && (!logY || y > 0) {
				xy = append(xy, plotter.XY{X: float64(c) + off, Y: y})
			}
		}
		gs := draw.GlyphStyle{Color: paletteColor(i), Radius: vg.Points(4), Shape: shapes[i%len(shapes)]}
		thumbs := []plot.Thumbnailer{glyphThumb{gs}}
		if len(xy) > 0 {
			if c.Connect && len(xy) > 1 {
				l, err := plotter.NewLine(xy)
				if err != nil {
					return fmt.Errorf("plots: %w", err)
				}
				l.LineStyle = draw.LineStyle{Color: paletteColor(i), Width: vg.Points(1.6), Dashes: dashes[i%len(dashes)]}
				p.Add(l)
				thumbs = append([]plot.Thumbnailer{lineThumb{l.LineStyle}}, thumbs...)
			}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return fmt.Errorf("plots: %w", err)
			}
			sc.GlyphStyle = gs
			p.Add(sc)
			if err := addIntervals(p, s, off, logY, paletteColor(i), &drawn); err != nil {
				return err
			}
		}
		total += len(xy)
		leg = append(leg, legendItem{s.Name, thumbs})
		for range 10 { // a hidden marker costs more than a hidden stretch of line or reference level
			drawn = append(drawn, xy...)
		}
		if c.Connect {
			for j := 1; j < len(xy); j++ {
				for k := 1; k < 8; k++ {
					f := float64(k) / 8
					y := xy[j-1].Y + f*(xy[j].Y-xy[j-1].Y)
					if logY {
						y = math.Exp(math.Log(xy[j-1].Y) + f*(math.Log(xy[j].Y)-math.Log(xy[j-1].Y)))
					}
					drawn = append(drawn, plotter.XY{X: xy[j-1].X + f*(xy[j].X-xy[j-1].X), Y: y})
				}
			}
		}
	}
	if total == 0 {
		return errors.New("plots: Dots: no finite (and, for log y, positive) values to draw")
	}
	lo, hi := -0.5, float64(len(categories))-0.5
	for i, r := range refs {
		if !finite(r.Y) || (logY && r.Y <= 0) {
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: r.Y}, {X: hi, Y: r.Y}})
		if err != nil {
			return fmt.Errorf("plots: %w", err)
		}
		l.LineStyle = draw.LineStyle{Color: color.Gray{uint8(90 + 50*(i%3))}, Width: vg.Points(1.2), Dashes: dashes[1+i%(len(dashes)-1)]}
		p.Add(l)
		leg = append(leg, legendItem{r.Name, []plot.Thumbnailer{lineThumb{l.LineStyle}}})
		for k := 0; k <= 16; k++ {
			drawn = append(drawn, plotter.XY{X: lo + float64(k)/16*(hi-lo), Y: r.Y})
		}
	}
	p.NominalX(categories...)
	p.X.Min, p.X.Max = lo, hi
	padY(p, logY, 0.06)
	top, left := emptiestCorner(p, drawn, logY)
	figW := vg.Length(math.Max(6, 0.75*float64(len(categories)))) * vg.Inch // room for every category's label
	return savePNG(path, figW, 4.5*vg.Inch, func(dc draw.Canvas) {
		dc = draw.Crop(dc, vg.Points(4), -vg.Points(14), vg.Points(4), -vg.Points(4))
		drawYLabel(p, dc, func(rest draw.Canvas) { drawLegend(p, p.DataCanvas(rest), leg, top, left) })
	})
}

// addIntervals draws the series' Lo–Hi bars (where finite; clipped at a log axis' positive part) in its colour,
// with short caps, and records their extent in drawn.
func addIntervals(p *plot.Plot, s DotSeries, off float64, logY bool, c color.Color, drawn *plotter.XYs) error {
	if s.Lo == nil || s.Hi == nil {
		return nil
	}
	style := draw.LineStyle{Color: c, Width: vg.Points(1.2)}
	for k := range s.Y {
		lo, hi, x := s.Lo[k], s.Hi[k], float64(k)+off
		if logY && lo <= 0 {
			lo = s.Y[k] / 1e3 // a bar reaching 0 on a log axis: drawn down to three decades below the mean
		}
		if !finite(lo) || !finite(hi) || (logY && hi <= 0) {
			continue
		}
		for _, seg := range []plotter.XYs{{{X: x, Y: lo}, {X: x, Y: hi}}, {{X: x - 0.05, Y: lo}, {X: x + 0.05, Y: lo}},
			{{X: x - 0.05, Y: hi}, {X: x + 0.05, Y: hi}}} {
			l, err := plotter.NewLine(seg)
			if err != nil {
				return fmt.Errorf("plots: %w", err)
			}
			l.LineStyle = style
			p.Add(l)
		}
		*drawn = append(*drawn, plotter.XY{X: x, Y: lo}, plotter.XY{X: x, Y: hi})
	}
	return nil
}

// emptiestCorner picks the corner of the plot's data area (a box of 45% × 40% of it) holding the fewest drawn
// points, preferring top right, then top left, bottom left, bottom right.
func emptiestCorner(p *plot.Plot, pts plotter.XYs, logY bool) (top, left bool) {
	norm := func(v, lo, hi float64, lg bool) float64 {
		if lg {
			v, lo, hi = math.Log(v), math.Log(lo), math.Log(hi)
		}
		return (v - lo) / (hi - lo)
	}
	best := -1
	for _, c := range []struct{ top, left bool }{{true, false}, {true, true}, {false, true}, {false, false}} {
		n := 0
		for _, q := range pts {
			x, y := norm(q.X, p.X.Min, p.X.Max, false), norm(q.Y, p.Y.Min, p.Y.Max, logY)
			inX := (c.left && x < 0.45) || (!c.left && x > 0.55)
			inY := (c.top && y > 0.6) || (!c.top && y < 0.4)
			if inX && inY {
				n++
			}
		}
		if best < 0 || n < best {
			best, top, left = n, c.top, c.left
		}
	}
	return top, left
}
