package nets_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// benchDiTMeanFlowStep times one MeanFlow training step (u_tgt = v − (t − r)·du/dt with the JVP in the given
// mode, adaptive weight p = 1, Adam 1e-3) of the two-time DefaultDiT(1, 28, 28, 2) at batch 64 on random images, so
// that a preset can budget MeanFlow post-training against the flow-matching step (BenchmarkDiTTrainStep).
func benchDiTMeanFlowStep(b *testing.B, mode flowmap.JVPMode) {
	const batch, dim = 64, 28 * 28
	d := nets.DefaultDiT(1, 28, 28, 2)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(1); err != nil {
		b.Fatal(err)
	}
	l := flowmap.MeanFlow{Map: flowmap.AverageVelocity{Net: d}, P: 1, C: 1e-3, JVP: mode, FDEps: 1e-3}
	opt := optimizer.Adam().LearningRate(1e-3).Done()
	exec := model.MustNewExec(backend.MustNew(nil), store, func(root *model.Scope, in []*Node) *Node {
		store.SetTraining(in[0].Graph(), true)
		loss := l.LossAt(root.At("net"), in[0], in[1], in[2], in[3])
		opt.UpdateGraph(root, in[0].Graph(), loss)
		return loss
	})
	rng := rand.New(rand.NewPCG(1, 2))
	args := func() []any {
		x, e := make([]float64, batch*dim), make([]float64, batch*dim)
		for i := range x {
			x[i], e[i] = 2*rng.Float64()-1, rng.NormFloat64()
		}
		t, r := make([]float64, batch), make([]float64, batch)
		for i := range t {
			a, c := rng.Float64(), rng.Float64()
			t[i], r[i] = max(a, c), min(a, c)
		}
		return []any{host.Tensor(x, batch, dim), host.Tensor(e, batch, dim), host.Tensor(t, batch), host.Tensor(r, batch)}
	}
	for range 2 {
		exec.MustCall(args()...)
	}
	b.ResetTimer()
	for range b.N {
		exec.MustCall(args()...)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkDiTMeanFlowStepExact(b *testing.B) { benchDiTMeanFlowStep(b, flowmap.JVPExact) }
func BenchmarkDiTMeanFlowStepFD(b *testing.B)    { benchDiTMeanFlowStep(b, flowmap.JVPFiniteDiff) }
