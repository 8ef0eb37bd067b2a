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

// ectMethod is ECT (post.method=ect), or ECD with post.ecd = euler | heun: flowmap.ECT on EDM time, with the
// preset's post.q, post.double_every, post.p_mean/p_std, post.distance and post.huber_c.
type ectMethod struct{}

func (ectMethod) FlowMap() bool { return false }

func (ectMethod) Name(p Preset) string {
	if p.ECD != "" {
		return "ecd-" + p.ECD
	}
	return "ect"
}

func (ectMethod) Forward(r *Run) train.Forward { return r.consistencyFwd }

func (ectMethod) Prepare(r *Run, p Preset, st *train.Stage, init string) error {
	resumed, err := prepareConsistency(r, st, init)
	if err != nil || resumed || p.ECD == "" {
		return err
	}
	return train.CopyWeights(r.Teacher.Store, train.EMAPath, st.Store, train.TeacherPath) // ECD's frozen teacher
}

func (ectMethod) Objective(r *Run, p Preset) train.Objective {
	dist, _ := distance.Parse(p.PostDistance) // checked by Validate
	loss := flowmap.ECT{Pre: r.Pre, Net: r.Net, PMean: p.ECTPMean, PStd: p.ECTPStd, Q: p.Q, K: 8, B: 1,
		DoubleEvery: p.DoubleEvery, Distance: dist, HuberC: p.PostHuberC}
	if p.ECD != "" {
		loss.Teacher, loss.TeacherPre, loss.Heun = r.Net, r.Pre, p.ECD == "heun"
	}
	return func(root *model.Scope, in []*Node) *Node {
		return loss.Loss(train.NetScope(root), train.TeacherScope(root), in[0], in[1])
	}
}

// Batch is the data y [batch, dim] and the step (ECT's doubling schedule reads it).
func (ectMethod) Batch(r *Run, p Preset) (func(step int) []*tensors.Tensor, error) {
	return func(step int) []*tensors.Tensor {
		y := r.Data.Sample(r.rngFor(streamPost, uint64(step)), p.PostBatch)
		return []*tensors.Tensor{host.Tensor(y, p.PostBatch, r.Data.Dim()), tensors.FromScalar(float32(step))}
	}, nil
}

// prepareConsistency resumes a consistency-model stage or initialises it from init: the CMT student's or the
// teacher's EMA weights (the EDM denoiser's network read as f's), or random weights for scratch.
func prepareConsistency(r *Run, st *train.Stage, init string) (resumed bool, err error) {
	var from *model.Store
	switch init {
	case "cmt":
		from = r.Mid.Store
	case "diffusion":
		from = r.Teacher.Store
	}
	return st.Prepare(from)
}
