package pipeline

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/gocmt/cmt/lib/cmt"
	"github.com/gocmt/cmt/lib/diffusion"
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/solver"
	"github.com/gocmt/cmt/lib/train"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// A Method is what one training stage trains, in the stage's four parts: the network (Forward), where its
// weights start (Prepare), the loss of a batch (Objective) and where batches come from (Batch). Every stage of
// every pipeline is one: EDM or flow-matching pre-training, CMT or CMT-MF mid-training, and the PostMethods.
// Run.Train runs any of them.
type Method interface {
	// Forward is the trained network as a single-time model (it builds the variables and is what the stage's
	// host evaluators run).
	Forward(r *Run) train.Forward
	// Prepare resumes the stage from its checkpoint or initialises it, from init's model where the stage starts
	// from an earlier one ("cmt", "diffusion"; "scratch" and "" keep random weights), with any frozen network the
	// objective reads.
	Prepare(r *Run, p Preset, st *train.Stage, init string) error
	// Objective is the loss of one batch.
	Objective(r *Run, p Preset) train.Objective
	// Batch returns the host tensors of each step, in the order the objective reads them; its error is a setup
	// error (pairs that cannot be built).
	Batch(r *Run, p Preset) (func(step int) []*tensors.Tensor, error)
}

// Train runs the training stage name of method m with settings p and cfg, initialised from init; before, if set,
// is called once the stage is prepared (to attach evaluations). The stage is returned even on error (it holds
// what was trained).
func (r *Run) Train(ctx context.Context, name string, m Method, p Preset, cfg train.Config, init string,
	before func(*train.Stage) error) (*train.Stage, error) {
	st, err := r.stage(name, m.Forward(r), cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Prepare(r, p, st, init); err != nil {
		return st, err
	}
	if before != nil {
		if err := before(st); err != nil {
			return st, err
		}
	}
	batch, err := m.Batch(r, p)
	if err != nil {
		return st, fmt.Errorf("%s: %w", name, err)
	}
	return st, st.Run(ctx, m.Objective(r, p), batch)
}

// dataBatch is the batch of the stages that train on data alone: y [batch, dim] from the stream's step-th draw.
func dataBatch(r *Run, stream uint64, batch int) func(step int) []*tensors.Tensor {
	return func(step int) []*tensors.Tensor {
		return []*tensors.Tensor{host.Tensor(r.Data.Sample(r.rngFor(stream, uint64(step)), batch), batch, r.Data.Dim())}
	}
}

// EDMPretrain is stage 1 on EDM time: the teacher's denoiser D(x, t) by EDM's weighted denoising loss with
// ln t ~ N(pre.p_mean, pre.p_std²), mixed with log-uniform on [sigma_min, sigma_max] by pre.p_uniform. With eval.pre_every the teacher is sampled and scored during training.
type EDMPretrain struct{}

func (EDMPretrain) Forward(r *Run) train.Forward { return r.denoiserFwd }

func (EDMPretrain) Prepare(r *Run, p Preset, st *train.Stage, _ string) error {
	if _, err := st.Prepare(nil); err != nil {
		return err
	}
	if p.EvalPreEvery > 0 {
		return r.watchTeacher(st)
	}
	return nil
}

func (EDMPretrain) Objective(r *Run, p Preset) train.Objective {
	loss := diffusion.EDMLoss{Pre: r.Pre, Net: r.Net, PMean: p.PMean, PStd: p.PStd, Uniform: p.PUniform,
		SigmaMin: p.SigmaMin, SigmaMax: p.SigmaMax}
	return func(root *model.Scope, in []*Node) *Node { return loss.Loss(train.NetScope(root), in[0]) }
}

func (EDMPretrain) Batch(r *Run, p Preset) (func(int) []*tensors.Tensor, error) {
	return dataBatch(r, streamPre, p.PreBatch), nil
}

// FMPretrain is stage 1 on flow-matching time (pre.objective=fm): the teacher's velocity v(z, t) by conditional
// flow matching, t logit-normal over pre.p_mean, pre.p_std.
type FMPretrain struct{}

func (FMPretrain) Forward(r *Run) train.Forward { return r.fmTeacher().Velocity }

func (FMPretrain) Prepare(_ *Run, _ Preset, st *train.Stage, _ string) error {
	_, err := st.Prepare(nil)
	return err
}

func (FMPretrain) Objective(r *Run, _ Preset) train.Objective {
	loss := r.fmTeacher()
	return func(root *model.Scope, in []*Node) *Node { return loss.Loss(train.NetScope(root), in[0]) }
}

func (FMPretrain) Batch(r *Run, p Preset) (func(int) []*tensors.Tensor, error) {
	return dataBatch(r, streamPre, p.PreBatch), nil
}

// CMT is stage 2 for the special flow map Ψ_{t→0} (a consistency model): the student, started from the teacher's
// weights, regresses every trajectory point onto its trajectory's clean end with Loss. Pairs builds the pairs
// from the teacher's trajectories (nil: cmt.FromTrajectory, every point). Loss's Pre and Net, when unset, are
// the run's. Run.Midtrain trains the preset's (cmtOf); a notebook cell builds its own and states it as
// settings (Settings, notebook.Book.Midtrain).
type CMT struct {
	Pairs func(*solver.Trajectory) (*cmt.Pairs, error)
	Loss  cmt.Loss
}

// cmtOf is the preset's CMT: mid.pairs, mid.distance and mid.huber_c.
func cmtOf(p Preset) CMT {
	m := CMT{Pairs: cmt.FromTrajectory}
	if p.MidPairs == "endpoint" {
		m.Pairs = cmt.EndpointOnly
	}
	m.Loss.Distance, _ = distance.Parse(p.MidDistance) // checked by Validate
	m.Loss.HuberC = p.MidHuberC
	return m
}

// Settings are m's preset keys: "mid.pairs=…;mid.distance=…;mid.huber_c=…". The preset is the one record of a
// run's settings (checkpoints are keyed on it), so a CMT that cannot be written as settings (other pair builders,
// its own network) is refused.
func (m CMT) Settings() (string, error) {
	pairs := "all"
	switch fn := reflect.ValueOf(m.Pairs).Pointer(); {
	case m.Pairs == nil || fn == reflect.ValueOf(cmt.FromTrajectory).Pointer():
	case fn == reflect.ValueOf(cmt.EndpointOnly).Pointer():
		pairs = "endpoint"
	default:
		return "", errors.New("CMT.Pairs: use cmt.FromTrajectory (mid.pairs=all) or cmt.EndpointOnly (mid.pairs=endpoint)")
	}
	if m.Loss.Net != nil {
		return "", errors.New("CMT.Loss: leave Pre and Net unset (the run's network and preconditioning)")
	}
	if _, err := distance.Parse(string(m.Loss.Distance)); err != nil {
		return "", fmt.Errorf("CMT.Loss.Distance: %w", err)
	}
	return fmt.Sprintf("mid.pairs=%s;mid.distance=%s;mid.huber_c=%g", pairs, m.Loss.Distance, m.Loss.HuberC), nil
}

func (CMT) Forward(r *Run) train.Forward { return r.consistencyFwd }

func (CMT) Prepare(r *Run, _ Preset, st *train.Stage, _ string) error {
	_, err := st.Prepare(r.Teacher.Store)
	return err
}

func (m CMT) Objective(r *Run, _ Preset) train.Objective {
	loss := m.Loss
	if loss.Net == nil {
		loss.Pre, loss.Net = r.Pre, r.Net
	}
	return func(root *model.Scope, in []*Node) *Node { return loss.Of(train.NetScope(root), in[0], in[1], in[2]) }
}

// Batch draws mid.batch pairs (x̂_{t_i}, t_i, x̂_{t_0}) per step.
func (m CMT) Batch(r *Run, p Preset) (func(int) []*tensors.Tensor, error) {
	build := m.Pairs
	if build == nil {
		build = cmt.FromTrajectory
	}
	pairs, err := build(r.Traj)
	if err != nil {
		return nil, err
	}
	return func(step int) []*tensors.Tensor {
		x, t, y := pairs.Batch(r.rngFor(streamMid, uint64(step)), p.MidBatch)
		return []*tensors.Tensor{x, t, y}
	}, nil
}
