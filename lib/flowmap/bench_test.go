package flowmap

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// peerMap feeds the backbone (r, t) in the peer's order: u(z, r, t) = F(z, r, t).
type peerMap struct{ Net nets.Backbone }

func (m peerMap) H(net *model.Scope, x, t, s *Node) *Node { return m.Net.Apply(net, x, s, t) }

// benchMeanFlowStep times one MeanFlow training step as shared/peer/torch/w2_meanflow_mlp.py does it: batch 1024
// of the peer's 8-Gaussian data (radius 4, std 0.5) drawn on the host each step, t, r uniform with t ≥ r and
// r = t for 75%, u_tgt = v − (t − r)·du/dt with the JVP along (v, 0, 1), adaptive weight p = 1 (c = 1e-3), Adam
// lr 1e-3, on the peer's MLP (165,634 parameters). Run it interleaved with the peer script (see the README).
func benchMeanFlowStep(b *testing.B, mode JVPMode) {
	const batch = 1024
	be := backend.MustNew(nil)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		b.Fatal(err)
	}
	net := nets.PeerMLP(2, 2)
	net.FeatureMajor = os.Getenv("PEER_FM") != "0"        // feature-major unless PEER_FM=0 (A/B of the layout, nets.ConcatMLP)
	net.BackendTrig = os.Getenv("PEER_TRIG") == "backend" // A/B of the embedding's sin and cos (nets.SinCos)
	l := MeanFlow{Map: peerMap{Net: net}, P: 1, C: 1e-3, JVP: mode, FDEps: 1e-4}
	opt := optimizer.Adam().LearningRate(1e-3).Done()
	exec := model.MustNewExec(be, store, func(root *model.Scope, in []*Node) *Node {
		store.SetTraining(in[0].Graph(), true)
		loss := l.LossAt(root.At("net"), in[0], in[1], in[2], in[3])
		opt.UpdateGraph(root, in[0].Graph(), loss)
		return loss
	})
	rng := rand.New(rand.NewPCG(1, 2))
	args := func() []any {
		x, e := make([]float64, 2*batch), make([]float64, 2*batch)
		t, r := make([]float64, batch), make([]float64, batch)
		for i := 0; i < batch; i++ {
			k := float64(rng.IntN(8)) * 2 * math.Pi / 8
			x[2*i], x[2*i+1] = 4*math.Cos(k)+0.5*rng.NormFloat64(), 4*math.Sin(k)+0.5*rng.NormFloat64()
			e[2*i], e[2*i+1] = rng.NormFloat64(), rng.NormFloat64()
			a, c := rng.Float64(), rng.Float64()
			t[i], r[i] = max(a, c), min(a, c)
			if rng.Float64() < 0.75 {
				r[i] = t[i]
			}
		}
		return []any{host.Tensor(x, batch, 2), host.Tensor(e, batch, 2), host.Tensor(t, batch), host.Tensor(r, batch)}
	}
	for range 3 { // compile and warm up
		exec.MustCall(args()...)
	}
	b.ResetTimer()
	for range b.N {
		exec.MustCall(args()...)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

func BenchmarkMeanFlowStepPeerMLP(b *testing.B)   { benchMeanFlowStep(b, JVPExact) }
func BenchmarkMeanFlowStepPeerMLPFD(b *testing.B) { benchMeanFlowStep(b, JVPFiniteDiff) }
