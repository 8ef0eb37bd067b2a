package notebook

import (
	"fmt"

	"github.com/gocmt/cmt/lib/pipeline"
)

// TeacherCheck shows how well the teacher learned the data: its denoising error E‖D(x₀+σε, σ) − x₀‖² at several
// noise levels next to the exact posterior mean's (the floor no denoiser can beat) and the best linear
// denoiser's (what a model that only learned the mean and covariance gets), then its samples against the data.
// The run needs its trajectories (they hold the teacher's samples and this check).
func (b *Book) TeacherCheck(r *pipeline.Run) {
	t := r.Summary.Teacher
	if t == nil {
		b.Fail(fmt.Errorf("TeacherCheck needs the teacher's trajectories: nb.Run(\"pretrain\", \"trajectories\") first"))
	}
	if len(t.Denoising) > 0 {
		var rows [][]string
		for _, d := range t.Denoising {
			rows = append(rows, []string{fmt.Sprintf("%.2g", d.Sigma), e(d.Teacher), e(d.Exact), e(d.Linear),
				fmt.Sprintf("%.3f", d.Teacher/d.Exact), fmt.Sprintf("%.2f", d.Teacher/d.Linear)})
		}
		b.Table("Denoising error E‖D(x₀+σε, σ) − x₀‖² (4096 points)",
			[]string{"σ", "teacher", "exact E[x₀|x_σ]", "best linear", "teacher / exact", "teacher / linear"}, rows)
	}
	b.Table(fmt.Sprintf("The teacher's samples (%s, %d NFE) against the data", t.Solver, t.NFE),
		[]string{"samples", "energy distance²", "sliced W2", "mode precision", "mode recall"},
		[][]string{metricRow("data vs fresh data (noise floor)", nil, r.Summary.NoiseFloor), metricRow("teacher", nil, t.Samples)})
}
