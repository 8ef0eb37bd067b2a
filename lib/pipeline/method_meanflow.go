package pipeline

import (
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/train"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// meanFlowMethod is MeanFlow (post.method=meanflow) or, with lmd, Lagrangian map distillation from the frozen
// flow-matching teacher (post.method=lmd): two-time flow maps on flow-matching time, with the (t, r) law of
// post.t_mean … post.tr_order, the adaptive weight post.adaptive_p/c and the JVP of post.jvp.
type meanFlowMethod struct{ lmd bool }

func (meanFlowMethod) FlowMap() bool { return true }

func (m meanFlowMethod) Name(Preset) string {
	if m.lmd {
		return "lmd"
	}
	return "meanflow"
}

func (meanFlowMethod) Forward(r *Run) train.Forward { return r.flowMap().Velocity }

// Prepare initialises h from the CMT-MF student (cmt), from the teacher with the second time input switched off
// (diffusion: h = v, so Ψ is one Euler step) or at random (scratch); LMD also loads its frozen teacher.
func (m meanFlowMethod) Prepare(r *Run, _ Preset, st *train.Stage, init string) error {
	resumed, err := st.Prepare(nil)
	if err != nil || resumed {
		return err
	}
	switch init {
	case "cmt":
		err = train.CopyWeights(r.Mid.Store, train.EMAPath, st.Store, train.NetPath)
		if err == nil {
			err = train.CopyWeights(st.Store, train.NetPath, st.Store, train.EMAPath)
		}
	case "diffusion":
		err = initFromTeacher(r.Teacher, st)
	}
	if err == nil && m.lmd {
		err = train.CopyWeights(r.Teacher.Store, train.EMAPath, st.Store, train.TeacherPath)
	}
	return err
}

func (m meanFlowMethod) Objective(r *Run, p Preset) train.Objective {
	times := flowmap.TimeSampler{PMeanT: p.MFTMean, PStdT: p.MFTStd, PMeanR: p.MFRMean, PStdR: p.MFRStd,
		Ratio: p.MFRatio, Order: flowmap.TimeOrder(p.MFOrder)}
	fm := r.flowMap()
	if m.lmd {
		l := flowmap.LMD{Map: fm, Teacher: flowmap.Velocity(r.fmTeacher().Velocity), Times: times, P: p.MFP, C: p.MFC,
			JVP: flowmap.JVPMode(p.MFJVP), FDEps: p.MFFDEps}
		return func(root *model.Scope, in []*Node) *Node {
			return l.Loss(train.NetScope(root), train.TeacherScope(root), in[0])
		}
	}
	l := flowmap.MeanFlow{Map: fm, Times: times, P: p.MFP, C: p.MFC, JVP: flowmap.JVPMode(p.MFJVP), FDEps: p.MFFDEps}
	return func(root *model.Scope, in []*Node) *Node { return l.Loss(train.NetScope(root), in[0]) }
}

// Batch is the data x₀ [batch, dim]; the times and noise are drawn in the graph.
func (meanFlowMethod) Batch(r *Run, p Preset) (func(step int) []*tensors.Tensor, error) {
	return dataBatch(r, streamPost, p.PostBatch), nil
}
