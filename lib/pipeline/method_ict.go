package pipeline

import (
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/train"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// ictMethod is improved Consistency Training (post.method=ict, flowmap.ICT): ECT's loss on neighbours of a Karras
// grid that refines from post.ict_s0 to post.ict_s1 intervals over post.steps, lognormal over post.p_mean/p_std,
// with iCT's own pseudo-Huber c = 0.00054·√dim (post.distance and post.huber_c are ECT's).
type ictMethod struct{}

func (ictMethod) FlowMap() bool                { return false }
func (ictMethod) Name(Preset) string           { return "ict" }
func (ictMethod) Forward(r *Run) train.Forward { return r.consistencyFwd }

func (ictMethod) Prepare(r *Run, _ Preset, st *train.Stage, init string) error {
	_, err := prepareConsistency(r, st, init)
	return err
}

func (ictMethod) loss(r *Run, p Preset) flowmap.ICT {
	s0, s1 := p.Curriculum()
	return flowmap.ICT{Pre: r.Pre, Net: r.Net, SigmaMax: p.SigmaMax, PMean: p.ECTPMean, PStd: p.ECTPStd, S0: s0, S1: s1,
		K: p.PostSteps, Distance: distance.PseudoHuber}
}

func (m ictMethod) Objective(r *Run, p Preset) train.Objective {
	loss := m.loss(r, p)
	return func(root *model.Scope, in []*Node) *Node { return loss.Loss(train.NetScope(root), in[0], in[1], in[2]) }
}

// Batch is the data y [batch, dim] and the drawn times t = σ_{i+1}, r = σ_i [batch].
func (m ictMethod) Batch(r *Run, p Preset) (func(step int) []*tensors.Tensor, error) {
	loss := m.loss(r, p)
	return func(step int) []*tensors.Tensor {
		rng := r.rngFor(streamPost, uint64(step))
		y := r.Data.Sample(rng, p.PostBatch)
		t, s := loss.Times(rng, step, p.PostBatch)
		return []*tensors.Tensor{host.Tensor(y, p.PostBatch, r.Data.Dim()), host.Tensor(t, p.PostBatch), host.Tensor(s, p.PostBatch)}
	}, nil
}
