package notebook

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
	"github.com/gocmt/cmt/lib/train"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ShowPairs shows CMT's regression pairs (x̂_{t_i}, t_i) → x̂_{t_0}: how many the teacher's trajectories give,
// and, for three times t_i, a figure linking trajectory points x̂_{t_i} (rings) to their trajectory's clean end
// x̂_{t_0} (dots). The run needs its trajectories.
func (b *Book) ShowPairs(r *pipeline.Run) {
	tr := r.Traj
	if tr == nil {
		b.Fail(fmt.Errorf("ShowPairs needs the teacher's trajectories: nb.Run(\"pretrain\", \"trajectories\") first"))
	}
	k := len(tr.Times)
	per := k - 1
	if r.P.MidPairs == "endpoint" {
		per = 1
	}
	b.Note(fmt.Sprintf("%d teacher solves × %d non-final points each = %d pairs; their times run from %.3g down to %.3g, and every target is its trajectory's end at t = %.3g",
		tr.N(), per, tr.N()*per, tr.Times[0], tr.Times[k-2], tr.Times[k-1]))
	var figs []string
	for _, want := range []float64{1.5, 0.4, 0.1} {
		i := nearestTime(tr.Times[:k-1], want)
		var paths [][]float64
		for j := 0; j < min(40, tr.N()); j++ {
			s, end := tr.States[i], tr.End()
			paths = append(paths, []float64{s[2*j], s[2*j+1], end[2*j], end[2*j+1]})
		}
		path := filepath.Join(b.FigDir, fmt.Sprintf("pairs_t%.3g.png", tr.Times[i]))
		n := min(2000, len(r.Eval.Ref)/2) * 2
		b.Must(plots.Trajectories(path, fmt.Sprintf("pairs from t = %.3g (rings) to their targets (dots)", tr.Times[i]), r.Eval.Ref[:n], paths, 2.5))
		figs = append(figs, path)
	}
	b.Show(figs...)
}

// nearestTime is the index of the time closest to want on a log scale.
func nearestTime(times []float64, want float64) int {
	best := 0
	for i, t := range times {
		if math.Abs(math.Log(t/want)) < math.Abs(math.Log(times[best]/want)) {
			best = i
		}
	}
	return best
}

// TeacherAsConsistency returns the teacher's EMA weights used as a consistency function f(x, t) — the "diffusion"
// initialisation of post-training: with the same backbone, f = c_skip·x + c_out·F is then the teacher's posterior-
// mean denoiser with the boundary condition f(x, t_min) = x.
func (b *Book) TeacherAsConsistency(r *pipeline.Run) func(x []float64, dim int, t float64) []float64 {
	fwd := func(net *model.Scope, x, t *Node) *Node { return r.Pre.Consistency(net, r.Net, x, t) }
	st, err := train.NewStage(r.O.Backend, "teacher_as_f", "", r.Data.Dim(), fwd, train.Config{}, r.O.Seed)
	b.Must(err)
	_, err = st.Prepare(r.Teacher.Store)
	b.Must(err)
	return st.EMAFunc()
}

// AfterMidtraining shows what the CMT student does right after mid-training, before any post-training: its 1- and
// 2-step samples next to the data, the teacher's 16-step samples and the teacher's weights used as a 1-step
// consistency model (post-training's "diffusion" initialisation), with a table of their metrics.
func (b *Book) AfterMidtraining(r *pipeline.Run) {
	if r.Mid == nil || r.Traj == nil {
		b.Fail(fmt.Errorf("AfterMidtraining needs the mid-trained student: nb.Run(\"pretrain\", \"trajectories\", \"midtrain\") first"))
	}
	p, dim := r.P, r.Data.Dim()
	one, two, m1, m2, err := r.Eval.FewStep(r.Mid.EMAFunc(), p.SigmaMax, p.StudentTMid())
	b.Must(err)
	d1, _, dm1, _, err := r.Eval.FewStep(b.TeacherAsConsistency(r), p.SigmaMax, p.ForInit("diffusion").TMid)
	b.Must(err)
	n := min(3000, len(one)/dim) * dim
	teach := r.Traj.End()
	panels := []plots.Panel{
		{Title: "data", Points: r.Eval.Ref[:n], Color: plots.Palette[7]},
		{Title: fmt.Sprintf("teacher, %s %d NFE", p.Solver, r.Traj.NFE), Points: teach[:min(n, len(teach))], Color: plots.Palette[0]},
		{Title: "teacher weights as f, 1 step", Points: d1[:n], Color: plots.Palette[3]},
		{Title: "CMT student, 1 step", Points: one[:n], Color: plots.Palette[2]},
		{Title: fmt.Sprintf("CMT student, 2 steps (t_mid %.2g)", p.StudentTMid()), Points: two[:n], Color: plots.Palette[2]},
	}
	path := filepath.Join(b.FigDir, "after_midtraining_samples.png")
	b.Must(plots.Scatter(path, panels, len(panels), 2))
	b.Show(path)
	rows := [][]string{metricRow("data vs fresh data (noise floor)", nil, r.Summary.NoiseFloor)}
	if t := r.Summary.Teacher; t != nil {
		rows = append(rows, metricRow(fmt.Sprintf("teacher, %s, %d NFE", t.Solver, t.NFE), nil, t.Samples))
	}
	rows = append(rows,
		metricRow("teacher weights as f, 1 NFE", nil, dm1),
		metricRow("CMT student, 1 NFE", nil, m1),
		metricRow("CMT student, 2 NFE", nil, m2))
	b.Table(fmt.Sprintf("Right after %d steps of CMT mid-training, before post-training (%d samples each)", r.Mid.Step, len(one)/dim),
		[]string{"sampler", "energy distance²", "sliced W2", "mode precision", "mode recall"}, rows)
}
