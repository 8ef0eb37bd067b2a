package distance

import (
	"math"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
)

// Of (graph, float32) equals Host (float64) per example for each kind, to 1e-6 relative (float32 rounding of a
// few operations); hand values: ‖(3,4)‖ = 5, ‖·‖² = 25, pseudo-Huber with c = 1: √26 − 1. Parse rejects unknown
// names.
func TestOfMatchesHost(t *testing.T) {
	b := backend.MustNew(nil)
	a := []float64{3, 4, 0.1, -0.2}
	z := []float64{0, 0, 0.1, -0.2}
	want := map[Kind]float64{L2Sq: 25, L2: 5, PseudoHuber: math.Sqrt(26) - 1}
	for kind, w := range want {
		if got := Host(kind, 1, a[:2], z[:2]); math.Abs(got-w) > 1e-9 {
			t.Errorf("Host %s = %v, want %v", kind, got, w)
		}
		out, err := CallOnce(b, func(x, y *Node) *Node { return Of(kind, 1, x, y) }, host.Tensor(a, 2, 2), host.Tensor(z, 2, 2))
		if err != nil {
			t.Fatal(err)
		}
		got := host.Float64s(out)
		for i := 0; i < 2; i++ {
			h := Host(kind, 1, a[2*i:2*i+2], z[2*i:2*i+2])
			if math.Abs(got[i]-h) > 1e-6*(h+1e-6) {
				t.Errorf("%s example %d: graph %v, host %v", kind, i, got[i], h)
			}
		}
	}
	if _, err := Parse("lpips"); err == nil {
		t.Error("Parse accepted an unknown distance")
	}
}
