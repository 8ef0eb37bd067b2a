package nets

import (
	"fmt"
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
)

// SinCos against math.Sin/Cos of the same float32 inputs on a grid over [−2000, 2000] (and dense near 0 and ±π):
// the largest absolute error must stay below 3e-7. The float32 ulp of a value near 1 is 1.2e-7 and the method's
// steps each round once (range reduction, polynomial, double angle), so a few ulps is the best float32 can do;
// a wrong coefficient or a range-reduction slip costs 1e-3 or more.
func TestSinCosAccuracy(t *testing.T) {
	var xs []float64
	for i := -200000; i <= 200000; i++ {
		xs = append(xs, float64(float32(float64(i)*0.01)))
	}
	for i := -1000; i <= 1000; i++ {
		xs = append(xs, float64(float32(float64(i)*1e-3)), float64(float32(math.Pi+float64(i)*1e-6)))
	}
	b := backend.MustNew(nil)
	outs, err := MustNewExec(b, func(x *Node) []*Node {
		s, c := SinCos(x)
		return []*Node{s, c}
	}).Call(host.Tensor(xs, len(xs)))
	if err != nil {
		t.Fatal(err)
	}
	s, c := host.Float64s(outs[0]), host.Float64s(outs[1])
	worst, at := 0.0, 0.0
	for i, x := range xs {
		for _, e := range []float64{s[i] - math.Sin(x), c[i] - math.Cos(x)} {
			if math.Abs(e) > worst {
				worst, at = math.Abs(e), x
			}
		}
	}
	t.Logf("largest error %.2g at x = %g", worst, at)
	if worst > 3e-7 {
		t.Fatalf("SinCos error %.3g at x = %g, want ≤ 3e-7", worst, at)
	}
}

func BenchmarkSinCos(bm *testing.B) {
	b := backend.MustNew(nil)
	for _, n := range []int{512 * 16, 10000 * 32} {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = 60 * math.Sin(float64(i))
		}
		x := host.Tensor(xs, n)
		for _, impl := range []string{"backend", "poly"} {
			e := MustNewExec(b, func(x *Node) []*Node {
				if impl == "backend" {
					return []*Node{Sin(x), Cos(x)}
				}
				s, c := SinCos(x)
				return []*Node{s, c}
			})
			bm.Run(fmt.Sprintf("%s/n=%d", impl, n), func(bm *testing.B) {
				for bm.Loop() {
					finalize(e.MustCall(x))
				}
			})
		}
	}
}

// SinCos's first and second derivatives, by GoMLX's reverse mode (the exact JVP of MeanFlow differentiates the
// time embedding twice): d sin = cos, d cos = −sin, d² sin = −sin, against math on 2001 points in [−50, 50], to
// 1e-6 absolute. The derivative of the truncated series is the series one order lower (remainder below 1e-8);
// the rest is float32 rounding of a dozen operations (a few 1e-7). A missing StopGradient on k, or a sign slip,
// is off by O(1).
func TestSinCosDerivatives(t *testing.T) {
	xs := make([]float64, 2001)
	for i := range xs {
		xs[i] = float64(float32(-50 + 0.05*float64(i)))
	}
	outs, err := MustNewExec(backend.MustNew(nil), func(x *Node) []*Node {
		s, c := SinCos(x)
		ds := Gradient(ReduceAllSum(s), x)[0]
		return []*Node{ds, Gradient(ReduceAllSum(c), x)[0], Gradient(ReduceAllSum(ds), x)[0]}
	}).Call(host.Tensor(xs, len(xs)))
	if err != nil {
		t.Fatal(err)
	}
	want := []func(float64) float64{math.Cos, func(x float64) float64 { return -math.Sin(x) }, func(x float64) float64 { return -math.Sin(x) }}
	for k, name := range []string{"d sin", "d cos", "d² sin"} {
		got := host.Float64s(outs[k])
		for i, x := range xs {
			if e := math.Abs(got[i] - want[k](x)); e > 1e-6 {
				t.Fatalf("%s at x = %g: %g, want %g", name, x, got[i], want[k](x))
			}
		}
	}
}
