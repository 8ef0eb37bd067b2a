package pipeline

import (
	"fmt"
	"math"

	"github.com/gocmt/cmt/lib/cmt"
	"github.com/gocmt/cmt/lib/diffusion"
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/solver"
	"github.com/gocmt/cmt/lib/train"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// The flow-map pipeline (post.method meanflow or lmd), all on flow-matching time t ∈ [0, 1] with z_t = (1−t)x₀ + tε:
//
//	pre-training   flow matching, v_θ(z, t) (pre.objective = fm)
//	trajectories   the teacher's ODE from z₁ = ε: one Euler step to t = 80/81, DPM-Solver++ on the EDM log-SNR
//	               grid (mid.solver_steps), a last step to t = 0 (diffusion.FMTrajectory)
//	CMT-MF         h_θ(x̂_{t_i}, t_i, t_j) → (x̂_{t_i} − x̂_{t_j})/(t_i − t_j), student = the teacher's weights with
//	               the second time input switched off (nets.WidenTimes)
//	post-training  MeanFlow (or LMD) from the CMT-MF student, the teacher (h = v: Ψ is one Euler step) or scratch
//
// Samplers: Ψ on the grids [1, 0] (1 step), [1, eval.t_mid, 0] (2 steps) and [1, .75, .5, .25, 0] (4 steps, figure
// and table), from the evaluator's fixed noise z at t = 1.

// flowMap is the two-time model: Ψ(x, t, s) = x − (t − s)·F(x, t, t − s) with the preset's MLP.
func (r *Run) flowMap() flowmap.AverageVelocity {
	m := r.Model
	m.Times = 2
	return flowmap.AverageVelocity{Net: m}
}

func (r *Run) psiFwd(net *model.Scope, x, t, s *Node) *Node {
	return flowmap.Psi(r.flowMap(), net, x, t, s)
}

// fmTeacher is the flow-matching objective of the teacher (one time input).
func (r *Run) fmTeacher() diffusion.FMLoss {
	return diffusion.FMLoss{Net: r.Model, PMean: r.P.PMean, PStd: r.P.PStd}
}

// solveOn runs the configured solver on an EDM grid.
func (r *Run) solveOn(d solver.Denoiser, xT, grid []float64) (*solver.Trajectory, error) {
	return solver.Solve(r.P.Solver, d, xT, r.Data.Dim(), grid)
}

// TeacherTrajectoriesFM solves the flow-matching teacher's ODE from mid.trajectories draws of z₁ = ε (t = 1) to
// t = 0 and scores the clean ends. r.Traj then holds flow-matching times and states.
func (r *Run) TeacherTrajectoriesFM() error {
	p, dim := r.P, r.Data.Dim()
	eps := normal(r.rngFor(streamXT, 0), p.Trajectories*dim)
	grid := append(solver.LogSNRGrid(p.SigmaMax, p.SigmaMin, p.SolverSteps), 0)
	var err error
	if r.Traj, err = diffusion.FMTrajectory(r.Teacher.EMAFunc(), eps, dim, grid, r.solveOn); err != nil {
		return err
	}
	n := min(p.EvalSamples, p.Trajectories) * dim
	m, err := r.Eval.Score(r.Traj.End()[:n])
	if err != nil {
		return err
	}
	r.Summary.Teacher = &TeacherReport{Samples: m, NFE: r.Traj.NFE, Solver: p.Solver}
	return r.Log.Write(map[string]any{"stage": "teacher", "energy": m.Energy, "sw2": m.SW2, "fd": m.FD, "nfe": r.Traj.NFE})
}

// initFromTeacher copies the teacher's EMA weights into a two-time stage (second time input off) and its EMA.
func initFromTeacher(teacher, st *train.Stage) error {
	if err := nets.WidenTimes(teacher.Store, train.EMAPath, st.Store, train.NetPath); err != nil {
		return fmt.Errorf("%s: initialising from the teacher: %w", st.Name, err)
	}
	return train.CopyWeights(st.Store, train.NetPath, st.Store, train.EMAPath)
}

// shiftedLogSNRGrid is the log-SNR grid of LogSNRGrid(tMax, tMin, steps) with its interior points moved by a
// fraction u ∈ [0, 1) of a step towards tMin: [tMax, tMax·ρ^((k+u)/steps) for k = 0..steps−1, tMin] with
// ρ = tMin/tMax. u = 0 is LogSNRGrid itself; u > 0 has one step more.
func shiftedLogSNRGrid(tMax, tMin float64, steps int, u float64) []float64 {
	if u == 0 {
		return solver.LogSNRGrid(tMax, tMin, steps)
	}
	g := []float64{tMax}
	for k := 0; k < steps; k++ {
		g = append(g, tMax*math.Pow(tMin/tMax, (float64(k)+u)/float64(steps)))
	}
	return append(g, tMin)
}

// pairPool solves the CMT-MF pair pool: the mid.trajectories noise draws of TeacherTrajectoriesFM split into
// mid.grid_shifts groups, group g solved on the log-SNR grid shifted by g/G of a step (group 0 on the paper's
// grid). With one group it is r.Traj itself.
func (r *Run) pairPool() ([]*solver.Trajectory, error) {
	p, dim := r.P, r.Data.Dim()
	G := max(p.MFGrids, 1)
	if G == 1 {
		return []*solver.Trajectory{r.Traj}, nil
	}
	eps := normal(r.rngFor(streamXT, 0), p.Trajectories*dim)
	var groups []*solver.Trajectory
	for g := 0; g < G; g++ {
		lo, hi := g*p.Trajectories/G, (g+1)*p.Trajectories/G
		grid := append(shiftedLogSNRGrid(p.SigmaMax, p.SigmaMin, p.SolverSteps, float64(g)/float64(G)), 0)
		tr, err := diffusion.FMTrajectory(r.Teacher.EMAFunc(), eps[lo*dim:hi*dim], dim, grid, r.solveOn)
		if err != nil {
			return nil, err
		}
		groups = append(groups, tr)
	}
	return groups, nil
}

// CMTMF is stage 2 for a general flow map: the two-time student h(x, t, s), started from the teacher's weights
// with its second time input switched off, regresses pairs (x̂_{t_i}, t_i, t_j) of the teacher's trajectories onto
// the finite-difference average velocity (x̂_{t_i} − x̂_{t_j})/(t_i − t_j) (cmt.LossMF; mid.mf_pairs, mid.mf_space,
// mid.mf_diag, mid.grid_shifts).
type CMTMF struct{}

func (CMTMF) Forward(r *Run) train.Forward { return r.flowMap().Velocity }

func (CMTMF) Prepare(r *Run, _ Preset, st *train.Stage, _ string) error {
	resumed, err := st.Prepare(nil)
	if err != nil || resumed {
		return err
	}
	return initFromTeacher(r.Teacher, st)
}

func (CMTMF) Objective(r *Run, p Preset) train.Objective {
	loss := cmt.LossMF{Map: r.flowMap(), Space: cmt.Space(p.MFSpace)}
	return func(root *model.Scope, in []*Node) *Node {
		return loss.Of(train.NetScope(root), in[0], in[1], in[2], in[3])
	}
}

// Batch draws mid.batch pairs (x, t, s, target) per step from the pair pool (pairPool), with the teacher's
// velocities on the diagonal when mid.mf_diag > 0.
func (CMTMF) Batch(r *Run, p Preset) (func(int) []*tensors.Tensor, error) {
	groups, err := r.pairPool()
	if err != nil {
		return nil, err
	}
	pairs, err := cmt.NewMFPairs(cmt.PairScheme(p.MFPairs), groups...)
	if err != nil {
		return nil, err
	}
	if pairs.DiagFrac = p.MFDiag; p.MFDiag > 0 {
		v := r.Teacher.EMAFunc()
		for _, tr := range groups {
			vel := make([][]float64, len(tr.Times))
			for k := 0; k+1 < len(tr.Times); k++ {
				vel[k] = v(tr.States[k], tr.Dim, tr.Times[k])
			}
			pairs.Vel = append(pairs.Vel, vel)
		}
	}
	return func(step int) []*tensors.Tensor {
		// Batch's one error is diagonal pairs without the teacher's velocities, which are filled above.
		x, t, s, y, _ := pairs.Batch(r.rngFor(streamMid, uint64(step)), p.MidBatch)
		return []*tensors.Tensor{x, t, s, y}
	}, nil
}

// fewStep samples a flow map with 1, 2 (through tMid) and 4 steps from the evaluator's fixed noise.
func (r *Run) fewStep(m flowmap.HostMap, tMid float64) (samples [3][]float64, err error) {
	for i, grid := range [][]float64{{1, 0}, {1, tMid, 0}, flowmap.UniformGrid(1, 0, 4)} {
		if samples[i], err = flowmap.MapSample(m, r.Eval.Z, r.Data.Dim(), grid); err != nil {
			return samples, err
		}
	}
	return samples, nil
}
