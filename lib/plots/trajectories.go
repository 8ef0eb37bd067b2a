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
