package plots

import (
	"image/color"
	"path/filepath"
	"testing"
)

// TestToImage checks the pixel mapping [-1, 1] → [0, 255] (−1 black, 1 white, clipped) and the channel-major
// layout, exactly.
func TestToImage(t *testing.T) {
	// 3×2×2 image: R plane all 1, G plane all −1, B plane 0 except one clipped pixel.
	x := []float64{1, 1, 1, 1, -1, -1, -1, -1, 0, 0, 0, 5}
	img := toImage(x, 3, 2, 2, 1)
	if got := img.At(0, 0).(color.RGBA); got != (color.RGBA{255, 0, 128, 255}) {
		t.Errorf("pixel (0,0) = %v, want {255 0 128 255}", got)
	}
	if got := img.At(1, 1).(color.RGBA); got != (color.RGBA{255, 0, 255, 255}) {
		t.Errorf("pixel (1,1) = %v, want {255 0 255 255} (B clipped to 1)", got)
	}
	g := toImage([]float64{-1, 0, 1, 0.5}, 1, 2, 2, 2)
	if got := g.At(3, 3).(color.RGBA); got != (color.RGBA{191, 191, 191, 255}) {
		t.Errorf("grey pixel (1,1), drawn at (2..3, 2..3), = %v, want 191 (0.75·255)", got)
	}
}

// TestImageGrid writes a grid and checks the PNG's size from the layout (2 rows, 4 columns of 8×8 images) and
// that bad shapes are refused.
func TestImageGrid(t *testing.T) {
	img := make([]float64, 5*64)
	for i := range img {
		img[i] = float64(i%64)/32 - 1
	}
	path := filepath.Join(t.TempDir(), "grid.png")
	rows := []ImageRow{{Title: "a", Images: img}, {Title: "b", Images: img[:2*64]}}
	if err := ImageGrid(path, "test grid", rows, 1, 8, 8, 4); err != nil {
		t.Fatal(err)
	}
	// Width = 4·(side + gap) + 6·gap = 4·46.64 + 12 pt = 198.56 pt; height = 28 + 2·(19 + 44.64 + 6) pt =
	// 167.28 pt; at 150 dpi that is 413.7 × 348.5 px, which vgimg rounds up.
	decode(t, path, 414, 349)
	if err := ImageGrid(path, "bad", []ImageRow{{Title: "x", Images: img[:10]}}, 1, 8, 8, 4); err == nil {
		t.Error("a row of 10 values for 8×8 images: want an error")
	}
	if err := ImageGrid(path, "bad", rows, 2, 8, 8, 4); err == nil {
		t.Error("2 channels: want an error")
	}
}
