package nets

import (
	"math"
	"os"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// TestConvSameIm2colMatchesConvolve checks the im2col formulation against GoMLX's Convolve on random x [2, 7, 5, 3]
// and w [k, k, 3, 4] for k = 3 and 5: the outputs and the gradients of ⟨y, v⟩ (v random) with respect to x and w
// agree to 1e-5 relative to the largest entry (float32 sums of ≤ 75 products each; reordering alone moves them by
// a few ulps, a wrong patch order or padding by O(1)).
func TestConvSameIm2colMatchesConvolve(t *testing.T) {
	b := backend.MustNew(nil)
	for _, k := range []int{3, 5} {
		rng := unetRNG(uint64(k))
		x := host.Tensor(unetNormals(rng, 2*7*5*3, 1), 2, 7, 5, 3)
		w := host.Tensor(unetNormals(rng, k*k*3*4, 1), k, k, 3, 4)
		v := host.Tensor(unetNormals(rng, 2*7*5*4, 1), 2, 7, 5, 4)
		run := func(conv func(x, w *Node) *Node) [][]float64 {
			e, err := model.NewExec(b, model.NewStore(), func(_ *model.Scope, x, w, v *Node) []*Node {
				y := conv(x, w)
				g := Gradient(ReduceAllSum(Mul(y, v)), x, w)
				return []*Node{y, g[0], g[1]}
			})
			if err != nil {
				t.Fatal(err)
			}
			return unetCall(t, e, x, w, v)
		}
		want := run(func(x, w *Node) *Node { return Convolve(x, w).PadSame().Done() })
		got := run(convSameIm2col)
		for i, name := range []string{"y", "dL/dx", "dL/dw"} {
			scale := 0.0
			for _, a := range want[i] {
				scale = math.Max(scale, math.Abs(a))
			}
			for j := range want[i] {
				if d := math.Abs(got[i][j] - want[i][j]); d > 1e-5*scale {
					t.Fatalf("k=%d %s[%d]: im2col %g, Convolve %g", k, name, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

// BenchmarkUNetTrainStep times one EDM-style training step (Adam) of an MNIST U-Net on random images, reporting
// images/s and CPU cores used. UNET_CH (16), UNET_BLOCKS (1), UNET_BATCH (64) override the configuration,
// multipliers 1,2,2 (28 → 14 → 7), no attention unless UNET_ATTN=1 (at 7×7); CMT_UNET_CONV=im2col|convolve forces
// the convolution formulation.
func BenchmarkUNetTrainStep(b *testing.B) {
	u := UNet{Channels: 1, Height: 28, Width: 28, ModelChannels: ditBenchEnv("UNET_CH", 16), Mult: []int{1, 2, 2},
		BlocksPerRes: ditBenchEnv("UNET_BLOCKS", 1), Times: 1}
	if ditBenchEnv("UNET_ATTN", 0) == 1 {
		u.AttnRes = []int{7}
	}
	batch := ditBenchEnv("UNET_BATCH", 64)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		b.Fatal(err)
	}
	opt := optimizer.Adam().LearningRate(1e-3).Done()
	exec := model.MustNewExec(backend.MustNew(nil), store, func(root *model.Scope, x1 *Node) *Node {
		g := x1.Graph()
		store.SetTraining(g, true)
		noise := root.RandomNormal(g, x1.Shape())
		c := Reshape(Slice(root.RandomNormal(g, x1.Shape()), AxisRange(), AxisElem(0)), batch)
		loss := ReduceAllMean(Square(Sub(u.Apply(root.At("net"), Add(x1, noise), c), x1)))
		opt.UpdateGraph(root, g, loss)
		return loss
	})
	b.Logf("U-Net %d params, %s=%q", u.Params(), UNetConvEnv, os.Getenv(UNetConvEnv))
	timeImageSteps(b, exec, batch, u.Params())
}
