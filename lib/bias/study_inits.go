package bias

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/solver"
	"github.com/gomlx/compute"
)

// initNet is one initialisation under study.
type initNet struct {
	Net      *Net
	Kind     string // cmt | diffusion | random
	MidSteps int    // CMT mid-training steps (cmt only)
}

// trained holds the spine's teacher run (pre-training and its trajectories) and one mid-training run per length.
type trained struct {
	Teacher *pipeline.Run
	Mid     map[int]*pipeline.Run
}

// trainInits runs (or resumes from the checkpoints under out) the spine's pre-training, the teacher's trajectories and
// CMT mid-training for each length in mids. Each mid-training length has its own run directory out/mid<steps>,
// initialised from the same teacher and trained on the same trajectories; the teacher lives in out/teacher.
func trainInits(ctx context.Context, p pipeline.Preset, out string, seed int64, b compute.Backend, mids []int, log io.Writer) (*trained, error) {
	opts := func(dir string) pipeline.Options {
		return pipeline.Options{Out: filepath.Join(out, dir), Figures: filepath.Join(out, dir, "figures"), Seed: seed, Backend: b, Log: log}
	}
	base, err := pipeline.New(p, opts("teacher"))
	if err != nil {
		return nil, err
	}
	if err := base.Pretrain(ctx); err != nil {
		return nil, fmt.Errorf("pre-training: %w", err)
	}
	if err := base.TeacherTrajectories(); err != nil {
		return nil, fmt.Errorf("teacher trajectories: %w", err)
	}
	tr := &trained{Teacher: base, Mid: map[int]*pipeline.Run{}}
	for _, m := range mids {
		pm := p
		pm.MidSteps = m
		r, err := pipeline.New(pm, opts(fmt.Sprintf("mid%d", m)))
		if err != nil {
			return nil, err
		}
		r.Teacher, r.Traj = base.Teacher, base.Traj
		if err := r.Midtrain(ctx); err != nil {
			return nil, fmt.Errorf("mid-training (%d steps): %w", m, err)
		}
		tr.Mid[m] = r
	}
	return tr, nil
}

// inits wraps the trained weights as the initialisations: CMT after each mid-training length, the diffusion
// teacher used as a consistency model (its EMA weights under the consistency parameterisation, as the spine's
// "diffusion" init), and random weights (the spine's "scratch").
func (tr *trained) inits(b compute.Backend, mids []int, seed int64) ([]initNet, error) {
	r := tr.Teacher
	var out []initNet
	for _, m := range mids {
		n, err := FromStage(b, fmt.Sprintf("cmt-%d", m), tr.Mid[m].Mid, r.Pre, r.Model)
		if err != nil {
			return nil, err
		}
		out = append(out, initNet{Net: n, Kind: "cmt", MidSteps: m})
	}
	d, err := FromStage(b, "diffusion", r.Teacher, r.Pre, r.Model)
	if err != nil {
		return nil, err
	}
	out = append(out, initNet{Net: d, Kind: "diffusion"})
	rn, err := RandomNet(b, "random", seed, r.Pre, r.Model, r.Data.Dim())
	if err != nil {
		return nil, err
	}
	return append(out, initNet{Net: rn, Kind: "random"}), nil
}

// solve is the spine's mid-training solver (preset mid.solver on the log-SNR grid T → σ_min with
// mid.solver_steps steps), as a Solve.
func solve(p pipeline.Preset, dim int) Solve {
	grid := solver.LogSNRGrid(p.SigmaMax, p.SigmaMin, p.SolverSteps)
	return func(d solver.Denoiser, xT []float64) (*solver.Trajectory, error) {
		return solver.Solve(p.Solver, d, xT, dim, grid)
	}
}
