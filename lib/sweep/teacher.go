package sweep

import (
	"fmt"
	"path/filepath"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
)

// TeacherFigure draws the teachers' curves measured during pre-training (eval.pre_every), one line per variant
// and seed, against training wall seconds: <name>_teacher.png in figDir, for comparing backbones and recipes at
// equal wall time. It returns "" when no run of the sweep has a teacher curve.
func TeacherFigure(s Spec, dir, figDir string) (string, error) {
	var series []plots.Series
	axis := "1-step energy"
	for _, v := range s.Variants {
		for _, seed := range s.Seeds {
			sum, err := readSummary(RunDir(dir, v, seed))
			if err != nil || sum.Teacher == nil || len(sum.Teacher.Curve) == 0 {
				continue
			}
			name := v.Name
			if len(s.Seeds) > 1 {
				name = fmt.Sprintf("%s, seed %d", v.Name, seed)
			}
			series = append(series, pipeline.TeacherSeries(name, sum.Teacher.Curve))
			if sum.Teacher.Curve[0].Metrics.FID != nil {
				axis = "FID"
			}
		}
	}
	if len(series) == 0 {
		return "", nil
	}
	path := filepath.Join(figDir, s.Name+"_teacher.png")
	return path, plots.Curves(path, s.Name+": teachers during pre-training", "training wall seconds", axis+" (log)", series, true)
}
