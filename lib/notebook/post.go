package notebook

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gocmt/cmt/lib/pipeline"
)

// Summary shows the run's results as a table: the noise floor, the teacher, and for each post-training run its
// metrics right after initialisation (step 0) and at its last step.
func (b *Book) Summary(r *pipeline.Run) {
	s := r.Summary
	if r.P.Images() {
		b.summaryImages(r)
		return
	}
	rows := [][]string{{"data vs fresh data (noise floor)", "", e(s.NoiseFloor.Energy), "", e(s.NoiseFloor.Energy), precRecall(s.NoiseFloor)}}
	for _, p := range s.Posttrain {
		rows = append(rows, []string{fmt.Sprintf("%s from the %s init", strings.ToUpper(p.Method), p.Init), e(p.Start.One.Energy), e(p.Energy1),
			e(p.Start.Two.Energy), e(p.Energy2), precRecall(p.Final.One)})
	}
	b.Table(fmt.Sprintf("Energy distance² to the data (lower is better; %d samples), seed %d", r.P.EvalSamples, s.Seed),
		[]string{"model", "1 step, at init", "1 step, end", "2 steps, at init", "2 steps, end", "modes (1 step): precision / recall"}, rows)
	if t := s.Teacher; t != nil {
		b.Note(fmt.Sprintf("for reference, the teacher with %s, %d NFE: energy distance² %s, modes %s", t.Solver, t.NFE, e(t.Samples.Energy), precRecall(t.Samples)))
	}
	var recipes []string
	for _, p := range s.Posttrain {
		recipes = append(recipes, r.P.RecipeText(p.Init))
	}
	if len(recipes) > 0 {
		b.Note("post-training recipes (each init's own, post.recipe.*): " + strings.Join(recipes, "; "))
	}
}

func precRecall(m pipeline.SampleMetrics) string {
	if m.Precision == nil {
		return ""
	}
	return fmt.Sprintf("%.2f / %.2f", *m.Precision, *m.Recall)
}

// PostFigures writes the run's figures (pipeline.Run.Figures) and shows the 1- and 2-step energy curves (FID for
// image data) of post-training side by side, then the samples of every stage.
func (b *Book) PostFigures(r *pipeline.Run) {
	b.Must(r.Figures())
	name := r.P.Name
	if r.P.Images() {
		b.Show(filepath.Join(r.O.Figures, name+"_fid_1step.png"), filepath.Join(r.O.Figures, name+"_fid_2step.png"))
		b.Show(filepath.Join(r.O.Figures, name+"_samples.png"))
		return
	}
	b.Show(filepath.Join(r.O.Figures, name+"_energy_1step.png"), filepath.Join(r.O.Figures, name+"_energy_2step.png"))
	b.Show(filepath.Join(r.O.Figures, name+"_samples.png"))
}

// summaryImages is Summary for image data: FID at initialisation and at the end, 1 and 2 steps.
func (b *Book) summaryImages(r *pipeline.Run) {
	s := r.Summary
	f := func(x *float64) string {
		if x == nil {
			return ""
		}
		return fmt.Sprintf("%.2f", *x)
	}
	rows := [][]string{{"training data", "", f(s.NoiseFloor.FID), "", ""}}
	if t := s.Teacher; t != nil {
		rows = append(rows, []string{fmt.Sprintf("teacher, %s %d NFE", t.Solver, t.NFE), "", f(t.Samples.FID), "", ""})
	}
	for _, p := range s.Posttrain {
		rows = append(rows, []string{fmt.Sprintf("%s from the %s init (%d steps)", strings.ToUpper(p.Method), p.Init, p.Steps),
			f(p.Start.One.FID), f(p.FID1), f(p.Start.Two.FID), f(p.FID2)})
	}
	b.Table(s.FIDName+fmt.Sprintf(", seed %d (lower is better)", s.Seed),
		[]string{"model", "1 step, at init", "1 step, end", "2 steps, at init", "2 steps, end"}, rows)
}
