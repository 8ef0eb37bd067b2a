package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ImageRow is one labelled row of an image grid: Images is [n·C·H·W], channel-major, pixel values in [-1, 1]
// (clipped). Only the first cols images of a row are drawn.
type ImageRow struct {
	Title  string
	Images []float64
}

// imageSide is the drawn side of one image.
const imageSide = 0.62 * vg.Inch

// ImageGrid writes a PNG of labelled rows of images of shape (c, h, w) (c = 1 grey or 3 RGB), cols per row.
func ImageGrid(path, title string, rows []ImageRow, c, h, w, cols int) error {
	if c != 1 && c != 3 {
		return fmt.Errorf("plots: images need 1 or 3 channels, got %d", c)
	}
	if len(rows) == 0 || cols <= 0 || h <= 0 || w <= 0 {
		return fmt.Errorf("plots: empty image grid")
	}
	size := c * h * w
	for _, r := range rows {
		if len(r.Images) < size || len(r.Images)%size != 0 {
			return fmt.Errorf("plots: row %q has %d values, not a positive multiple of %d·%d·%d", r.Title, len(r.Images), c, h, w)
		}
	}
	tsty := text.Style{Color: color.Black, Font: font.From(sansFont, titleSize), Handler: plot.DefaultTextHandler}
	rsty := text.Style{Color: color.Black, Font: font.From(sansFont, labelSize), Handler: plot.DefaultTextHandler}
	gap, rowTitle, top := vg.Points(2), vg.Points(labelSize+6), vg.Points(titleSize+14)
	side := imageSide * vg.Length(w) / vg.Length(max(h, w))
	rowH := rowTitle + imageSide*vg.Length(h)/vg.Length(max(h, w)) + gap*3
	width := vg.Length(cols)*(side+gap) + 6*gap
	height := top + vg.Length(len(rows))*rowH
	return savePNG(path, width, height, func(dc draw.Canvas) {
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		y := dc.Max.Y - vg.Points(6)
		dc.FillText(tsty, vg.Point{X: dc.Min.X + 3*gap, Y: y - vg.Points(titleSize)}, title)
		y = dc.Max.Y - top
		for _, r := range rows {
			dc.FillText(rsty, vg.Point{X: dc.Min.X + 3*gap, Y: y - vg.Points(labelSize+2)}, r.Title)
			ih := rowH - rowTitle - 3*gap
			for k := 0; k < min(cols, len(r.Images)/size); k++ {
				x0 := dc.Min.X + 3*gap + vg.Length(k)*(side+gap)
				y0 := y - rowTitle - ih
				dc.DrawImage(vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x0 + side, Y: y0 + ih}},
					toImage(r.Images[k*size:(k+1)*size], c, h, w, pixelScale))
			}
			y -= rowH
		}
	})
}

// pixelScale enlarges images (nearest neighbour) before drawing, so that pixels stay sharp instead of being
// interpolated by the renderer.
const pixelScale = 4

// toImage converts one channel-major image in [-1, 1] to an RGBA image (grey when c = 1), each pixel drawn as a
// scale×scale block.
func toImage(x []float64, c, h, w, scale int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w*scale, h*scale))
	px := func(v float64) uint8 {
		if math.IsNaN(v) {
			return 0
		}
		return uint8(math.Round(255 * math.Max(0, math.Min(1, (v+1)/2))))
	}
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			var rgb [3]uint8
			for ch := 0; ch < 3; ch++ {
				rgb[ch] = px(x[(min(ch, c-1)*h+i)*w+j])
			}
			for a := 0; a < scale*scale; a++ {
				img.Set(j*scale+a%scale, i*scale+a/scale, color.RGBA{rgb[0], rgb[1], rgb[2], 255})
			}
		}
	}
	return img
}
