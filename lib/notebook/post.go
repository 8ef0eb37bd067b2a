package notebook

import (
	"path/filepath"
	"strings"

	"github.com/gocmt/cmt/lib/pipeline"
)

// Summary shows the run's results (pipeline.Summary.Report, the table make run prints): the noise floor, the
// teacher, the student as mid-training leaves it, and each post-training run's metrics right after
// initialisation and at its last step, with each init's recipe under it.
func (b *Book) Summary(r *pipeline.Run) {
	rep := r.Summary.Report()
	b.Table(rep.Caption, rep.Header, rep.Rows)
	for _, n := range rep.Notes {
		if !strings.HasPrefix(n, "stage times") {
			b.Note(n)
		}
	}
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
