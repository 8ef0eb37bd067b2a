package nets

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// ditPatchify cuts x [batch, C·H·W] (channel-major) into patches [batch·n, C·P·P], tokens in row-major patch order
// (patch row, then patch column) and each patch's values ordered (c, dy, dx). Static Reshape + Transpose only.
func (d DiT) ditPatchify(x *Node) *Node {
	batch, p := x.Shape().Dimensions[0], d.Patch
	gh, gw := d.Height/p, d.Width/p
	x = Reshape(x, batch, d.Channels, gh, p, gw, p) // [b, c, gy, dy, gx, dx]
	x = TransposeAllDims(x, 0, 2, 4, 1, 3, 5)       // [b, gy, gx, c, dy, dx]
	return Reshape(x, batch*gh*gw, d.ditPatchDim())
}

// ditUnpatchify is the inverse of ditPatchify: patches [batch·n, C·P·P] → images [batch, C·H·W].
func (d DiT) ditUnpatchify(t *Node, batch int) *Node {
	p := d.Patch
	gh, gw := d.Height/p, d.Width/p
	t = Reshape(t, batch, gh, gw, d.Channels, p, p) // [b, gy, gx, c, dy, dx]
	t = TransposeAllDims(t, 0, 3, 1, 4, 2, 5)       // [b, c, gy, dy, gx, dx]
	return Reshape(t, batch, d.Channels*d.Height*d.Width)
}

// ditPosEmbed is the fixed 2-D sin-cos position code [n, Hidden] (as in MAE/DiT): for the token at patch row i
// and column j, the first Hidden/2 values encode i and the last Hidden/2 encode j, each as sin(pos·ω_k) for
// k < Hidden/4 followed by cos(pos·ω_k), with ω_k = 10000^(−k/(Hidden/4)) radians per patch.
func (d DiT) ditPosEmbed() [][]float32 {
	gh, gw, h := d.Height/d.Patch, d.Width/d.Patch, d.Hidden
	q := h / 4
	code := func(dst []float32, pos float64) {
		for k := 0; k < q; k++ {
			a := pos * math.Pow(10000, -float64(k)/float64(q))
			dst[k], dst[q+k] = float32(math.Sin(a)), float32(math.Cos(a))
		}
	}
	out := make([][]float32, gh*gw)
	for i := 0; i < gh; i++ {
		for j := 0; j < gw; j++ {
			row := make([]float32, h)
			code(row[:h/2], float64(i))
			code(row[h/2:], float64(j))
			out[i*gw+j] = row
		}
	}
	return out
}
