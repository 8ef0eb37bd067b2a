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
