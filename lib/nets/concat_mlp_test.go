package nets

import (
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// PeerMLP has exactly the PyTorch peer's 165,634 parameters (w2_meanflow_mlp.py: 130 → 256 → 256 → 256 → 2).
func TestPeerMLPParameterCount(t *testing.T) {
	store := model.NewStore()
	m := PeerMLP(2, 2)
	x, c := host.Tensor([]float64{0, 0}, 1, 2), host.Tensor([]float64{0.5}, 1)
	if _, err := model.CallOnce(backend.MustNew(nil), store, func(root *model.Scope, x, a, b *Node) *Node {
		return m.Apply(root.At("net"), x, a, b)
	}, x, c, c); err != nil {
		t.Fatal(err)
	}
	n := 0
	for v := range store.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	if n != 165634 {
		t.Fatalf("%d parameters, want 165634", n)
	}
}

// The feature-major formulation computes the same function with the same weights: on one store (batch-major graph
// first, so it creates and initialises the weights), outputs and the gradients of ⟨F, v⟩ with respect to every
// weight agree to 1e-5 relative to the largest entry (float32 sums in another order; a wrong weight orientation or
// bias broadcast would differ by O(1)).
func TestConcatMLPFeatureMajorSameFunction(t *testing.T) {
	b := backend.MustNew(nil)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	rng := unetRNG(5)
	const n = 32
	x, c, v := host.Tensor(unetNormals(rng, n*2, 1), n, 2), host.Tensor(unetNormals(rng, n, 1), n), host.Tensor(unetNormals(rng, n*2, 1), n, 2)
	run := func(fm bool) [][]float64 {
		m := PeerMLP(2, 1)
		m.FeatureMajor = fm
		e, err := model.NewExec(b, store, func(root *model.Scope, x, c, v *Node) []*Node {
			y := m.Apply(root.At("net"), x, c)
			var ws []*Node
			for _, name := range []string{"layer_0", "layer_1", "layer_2", "out"} {
				for _, k := range []string{"weights", "biases"} {
					ws = append(ws, root.At("net").At("%s", name).GetVariable(k).NodeValue(x.Graph()))
				}
			}
			return append([]*Node{y}, Gradient(ReduceAllSum(Mul(y, v)), ws...)...)
		})
		if err != nil {
			t.Fatal(err)
		}
		return unetCall(t, e, x, c, v)
	}
	want, got := run(false), run(true)
	for i := range want {
		scale := 0.0
		for _, a := range want[i] {
			scale = max(scale, a, -a)
		}
		for j := range want[i] {
			if d := got[i][j] - want[i][j]; d > 1e-5*scale || d < -1e-5*scale {
				t.Fatalf("output %d (0: F, then weight gradients) entry %d: feature-major %g, batch-major %g", i, j, got[i][j], want[i][j])
			}
		}
	}
}
