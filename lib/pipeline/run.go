package pipeline

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/runlog"
	"github.com/gocmt/cmt/lib/solver"
	"github.com/gocmt/cmt/lib/train"
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Options are the run's non-hyperparameter settings.
type Options struct {
	Out     string // run directory: metrics.jsonl, checkpoints, summary.json, preset.json
	Figures string // where PNG figures go ("" = Out/figures)
	Seed    int64
	Backend compute.Backend
	Log     io.Writer     // progress and messages (nil = os.Stderr)
	Watch   train.Watcher // optional: every stage's progress and losses (notebooks draw them in place); see EvalWatcher
}

// Run is one pipeline run with its pieces, exposed so notebooks can look inside.
type Run struct {
	P       Preset
	O       Options
	Data    data.Dataset
	GMM     *data.GMM
	Eval    *Evaluator
	Model   nets.MLP      // the MLP settings (2D presets; MeanFlow widens it to two times)
	Net     nets.Backbone // the backbone every EDM/CMT/ECT stage uses: Model, a DiT or a U-Net
	Pre     nets.EDM
	Log     *runlog.Log
	Teacher *train.Stage
	Traj    *solver.Trajectory // teacher trajectories (all of them)
	Mid     *train.Stage
	Post    map[string]*train.Stage
	Summary Summary
	start   time.Time

	teacherCurve []TeacherPoint // eval.pre_every's evaluations of the teacher during pre-training
}

// hostFn wraps a stage's host evaluator: image networks see at most evalRows images per call.
func (r *Run) hostFn(f func(x []float64, dim int, t float64) []float64) func(x []float64, dim int, t float64) []float64 {
	if r.P.Images() {
		return chunked(f)
	}
	return f
}

// rngFor is a deterministic stream for a purpose and a step: resumed runs see the same data.
func (r *Run) rngFor(stream, step uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(r.O.Seed)*0x9E3779B97F4A7C15+stream, step))
}

const (
	streamPre = iota + 1
	streamMid
	streamPost
	streamRef
	streamFresh
	streamNoise
	streamXT
	streamCheck
	streamTeacherCurve
)

func (r *Run) out() io.Writer {
	if r.O.Log != nil {
		return r.O.Log
	}
	return os.Stderr
}

func normal(rng *rand.Rand, n int) []float64 {
	z := make([]float64, n)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	return z
}

// New prepares a run: data, reference sets, noise floors, log files.
func New(p Preset, o Options) (*Run, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if o.Backend == nil {
		return nil, fmt.Errorf("pipeline: no backend")
	}
	if o.Figures == "" {
		o.Figures = filepath.Join(o.Out, "figures")
	}
	for _, d := range []string{o.Out, o.Figures} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := lockRunDir(o.Out); err != nil {
		return nil, err
	}
	ds, err := loadData(p)
	if err != nil {
		return nil, err
	}
	r := &Run{P: p, O: o, Data: ds, Post: map[string]*train.Stage{}, start: time.Now()}
	r.GMM, _ = ds.(*data.GMM)
	dim := ds.Dim()
	r.Model = p.MLP(dim, 1)
	if r.Net, err = r.backbone(1); err != nil {
		return nil, err
	}
	r.Pre = nets.EDM{SigmaData: p.SigmaData, SigmaMin: p.SigmaMin, Gate: p.SkipGate}
	n := p.EvalSamples
	noise := r.rngFor(streamNoise, 0)
	z, z2 := normal(noise, n*dim), normal(noise, n*dim)
	if p.Images() {
		if r.Eval, err = r.imageEvaluator(); err != nil {
			return nil, err
		}
	} else {
		r.Eval = &Evaluator{Ref: ds.Sample(r.rngFor(streamRef, 0), n), Dim: dim, SW2Proj: p.SW2Proj, Seed: uint64(o.Seed), GMM: r.GMM,
			Unbiased: p.EnergyEstimator() == "u"}
	}
	r.Eval.Z, r.Eval.Z2 = z, z2
	if r.Log, err = runlog.Open(filepath.Join(o.Out, "metrics.jsonl")); err != nil {
		return nil, err
	}
	if err := runlog.WriteJSONAtomic(filepath.Join(o.Out, "preset.json"), p); err != nil {
		return nil, err
	}
	floor, err := r.Eval.Score(ds.Sample(r.rngFor(streamFresh, 0), n))
	if err != nil {
		return nil, err
	}
	r.Summary = Summary{Preset: p.Name, Backend: o.Backend.Name(), Seed: o.Seed, NoiseFloor: floor, Resolved: p, FIDName: r.Eval.FIDName}
	if !p.Images() {
		r.Summary.EnergyEstimator = p.EnergyEstimator()
	}
	return r, nil
}

func (r *Run) stage(name string, fwd train.Forward, cfg train.Config) (*train.Stage, error) {
	cfg.Devices = r.P.Devices
	st, err := train.NewStage(r.O.Backend, name, r.ckptDir(), r.Data.Dim(), fwd, cfg, r.O.Seed)
	if err != nil {
		return nil, err
	}
	st.Log, st.Out, st.Watch = r.Log, r.out(), r.O.Watch
	st.Fingerprint = r.fingerprint(name)
	return st, nil
}

func (r *Run) denoiserFwd(net *model.Scope, x, t *Node) *Node {
	return r.Pre.Denoiser(net, r.Net, x, t)
}
func (r *Run) consistencyFwd(net *model.Scope, x, t *Node) *Node {
	return r.Pre.Consistency(net, r.Net, x, t)
}

// Pretrain is stage 1: the teacher, EDMPretrain (or FMPretrain with pre.objective = fm).
func (r *Run) Pretrain(ctx context.Context) error {
	p := r.P
	cfg := train.Config{Steps: p.PreSteps, LR: p.PreLR, EMA: p.PreEMA, LinearDecay: p.PreSched == "linear",
		CheckpointEvery: max(p.PreSteps/4, 1)}
	var m Method = EDMPretrain{}
	if p.PreObjective == "fm" {
		m = FMPretrain{}
	} else if p.EvalPreEvery > 0 {
		cfg.CheckpointEvery = p.EvalPreEvery
	}
	var err error
	r.Teacher, err = r.Train(ctx, "pretrain", m, p, cfg, "", nil)
	return err
}

// Solve runs the configured solver (to mid.solver_t_end, then the jump D(x, t_end)) with the teacher d from x_T.
func (r *Run) Solve(d solver.Denoiser, xT []float64) (*solver.Trajectory, error) {
	p := r.P
	if p.SolverTEnd <= p.SigmaMin {
		return solver.Solve(p.Solver, d, xT, r.Data.Dim(), solver.LogSNRGrid(p.SigmaMax, p.SigmaMin, p.SolverSteps))
	}
	tr, err := solver.Solve(p.Solver, d, xT, r.Data.Dim(), solver.LogSNRGrid(p.SigmaMax, p.SolverTEnd, p.SolverSteps))
	if err == nil {
		tr.DenoiseTo(d, p.SigmaMin)
	}
	return tr, err
}

// TeacherTrajectories solves the teacher's PF-ODE from Trajectories draws of x_T = T·ε and checks the teacher
// (TeacherTrajectoriesFM on the flow-map road).
func (r *Run) TeacherTrajectories() error {
	if r.P.FlowMap() {
		return r.TeacherTrajectoriesFM()
	}
	p, dim := r.P, r.Data.Dim()
	xT := normal(r.rngFor(streamXT, 0), p.Trajectories*dim)
	for i := range xT {
		xT[i] *= p.SigmaMax
	}
	var err error
	if r.Traj, err = r.Solve(solver.DenoiserFunc(r.hostFn(r.Teacher.EMAFunc())), xT); err != nil {
		return err
	}
	end := r.Traj.End()
	n := min(p.EvalSamples, p.Trajectories) * dim
	m, err := r.Eval.Score(end[:n])
	if err != nil {
		return err
	}
	r.Summary.Teacher = &TeacherReport{Samples: m, FID: m.FID, NFE: r.Traj.NFE, Solver: p.Solver, Curve: r.teacherCurve}
	if r.GMM != nil {
		r.Summary.Teacher.Denoising = r.denoisingCheck()
	}
	if m.FID != nil {
		return r.Log.Write(map[string]any{"stage": "teacher", "fid": *m.FID, "samples": n / dim})
	}
	return r.Log.Write(map[string]any{"stage": "teacher", "energy": m.Energy, "sw2": m.SW2, "fd": m.FD})
}

// denoisingCheck compares the teacher's denoising error with the exact posterior mean's and the best linear
// denoiser's at a few noise levels (same x₀ and noise for all three).
func (r *Run) denoisingCheck() []DenoisingLevel {
	dim, n := r.Data.Dim(), 4096
	rng := r.rngFor(streamCheck, 0)
	x0 := r.GMM.Sample(rng, n)
	eps := normal(rng, n*dim)
	teacher := r.Teacher.EMAFunc()
	var out []DenoisingLevel
	for _, s := range []float64{0.05, 0.1, 0.2, 0.5, 1, 2} {
		xt := make([]float64, len(x0))
		for i := range xt {
			xt[i] = x0[i] + s*eps[i]
		}
		mse := func(d []float64) float64 {
			var a float64
			for i := range d {
				a += (d[i] - x0[i]) * (d[i] - x0[i])
			}
			return a / float64(n)
		}
		out = append(out, DenoisingLevel{Sigma: s, Teacher: mse(teacher(xt, dim, s)), Exact: mse(r.GMM.Denoise(xt, dim, s)),
			Linear: mse(r.GMM.LinearDenoise(xt, dim, s))})
	}
	return out
}

// Midtrain is stage 2 with the preset's objective, student initialised from the teacher: CMT (mid.pairs,
// mid.distance, mid.huber_c) on the teacher's trajectories, or CMT-MF on the flow-map road. Its checkpoint is keyed
// on those settings, so a notebook states another CMT through them (CMT.Settings, notebook.Book.Midtrain).
func (r *Run) Midtrain(ctx context.Context) error {
	p := r.P
	m, name := midMethod(p)
	var err error
	r.Mid, err = r.Train(ctx, name, m, p, train.Config{Steps: p.MidSteps, LR: p.MidLR, LinearDecay: true,
		EMA: p.MidEMA, CheckpointEvery: max(p.MidSteps/4, 1)}, "diffusion", nil)
	return err
}

// midMethod is the preset's mid-training method and its stage name: CMT ("midtrain"), or CMT-MF ("midtrain_mf")
// on the flow-map road.
func midMethod(p Preset) (Method, string) {
	if p.FlowMap() {
		return CMTMF{}, "midtrain_mf"
	}
	return cmtOf(p), "midtrain"
}

// Step is one stage of a pipeline run, in the order Steps gives them.
type Step struct {
	Name  string // pretrain | trajectories | midtrain | post (one step per init)
	Init  string // post: the initialisation
	Label string // the name its wall time is recorded under in the summary ("post-training from cmt", ...)
	Run   func() error
}

// Steps are the pipeline's stages: pre-training, the teacher's trajectories, mid-training (with the student
// scored as it leaves it) and post-training from each init of post.inits. They are the same for both time
// conventions: Pretrain, TeacherTrajectories and Midtrain take the flow-matching road (meanflow.go) when the
// preset's post.method trains a flow map. All, the sweeps (through All) and the notebooks run them.
func (r *Run) Steps(ctx context.Context) []Step {
	pre, mid := "pre-training", "CMT mid-training"
	if r.P.FlowMap() {
		pre, mid = "pre-training (flow matching)", "CMT-MF mid-training"
	}
	steps := []Step{
		{Name: "pretrain", Label: pre, Run: func() error { return r.Pretrain(ctx) }},
		{Name: "trajectories", Label: "teacher trajectories", Run: r.TeacherTrajectories},
		{Name: "midtrain", Label: mid, Run: func() error {
			if err := r.Midtrain(ctx); err != nil {
				return err
			}
			_, one, two, err := r.scorer(r.Mid)(r.P.StudentTMid())
			r.Summary.Student = &StudentReport{Steps: r.Mid.Step, TMid: r.P.StudentTMid(), One: one, Two: two}
			return err
		}},
	}
	inits, _ := r.P.InitList()
	for _, init := range inits {
		steps = append(steps, Step{Name: "post", Init: init, Label: r.P.postLabel(init), Run: func() error { return r.Posttrain(ctx, init) }})
	}
	return steps
}

// RunSteps runs steps in order, recording each one's wall time in the summary.
func (r *Run) RunSteps(steps []Step) error {
	for _, s := range steps {
		t0 := time.Now()
		if err := s.Run(); err != nil {
			return fmt.Errorf("%s: %w", s.Label, err)
		}
		r.Summary.StageSeconds = append(r.Summary.StageSeconds, StageTime{Stage: s.Label, Seconds: time.Since(t0).Seconds()})
	}
	return nil
}

// All runs every step, writes the figures and summary.json, and prints the summary table.
func (r *Run) All(ctx context.Context) error {
	if err := r.RunSteps(r.Steps(ctx)); err != nil {
		return err
	}
	if r.P.FlowMap() {
		inits, _ := r.P.InitList()
		rows, err := r.fewStepRows(inits)
		if err != nil {
			return err
		}
		if err := r.figuresFlowMap(rows); err != nil {
			return fmt.Errorf("figures: %w", err)
		}
		return r.finish()
	}
	if err := r.Figures(); err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	return r.finish()
}

// finish writes summary.json, prints the run's table and closes the metrics log.
func (r *Run) finish() error {
	r.Summary.WallSeconds = time.Since(r.start).Seconds()
	if err := runlog.WriteJSONAtomic(filepath.Join(r.O.Out, "summary.json"), r.Summary); err != nil {
		return err
	}
	fmt.Fprint(r.out(), r.Summary.Report().Text())
	unlockRunDir(r.O.Out)
	return r.Log.Close()
}
