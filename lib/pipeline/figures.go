package pipeline

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/plots"
)

// Figures writes the run's PNGs: samples per stage, teacher trajectories, and metrics vs post-training step.
func (r *Run) Figures() error {
	if r.P.Images() {
		return r.figuresImages()
	}
	p, dim := r.P, r.Data.Dim()
	if dim != 2 {
		return nil
	}
	n := min(p.EvalSamples, 3000) * dim
	lim := 2.0
	panels := []plots.Panel{{Title: "data (" + p.Data + ")", Points: r.Eval.Ref[:n]}}
	if r.Traj != nil {
		panels = append(panels, plots.Panel{Title: fmt.Sprintf("teacher, %s %d steps", p.Solver, p.SolverSteps), Points: r.Traj.End()[:min(n, len(r.Traj.End()))]})
	}
	if r.Mid != nil {
		panels = append(panels, plots.Panel{Title: "after CMT mid-training, 1 step", Points: flowmap.OneStep(r.Mid.EMAFunc(), r.Eval.Z[:n], dim, p.SigmaMax)})
	}
	inits, _ := p.InitList()
	for _, init := range inits {
		if st := r.Post[init]; st != nil {
			panels = append(panels, plots.Panel{Title: fmt.Sprintf("ECT from %s, %d steps, 1 step", init, st.Step),
				Points: flowmap.OneStep(st.EMAFunc(), r.Eval.Z[:n], dim, p.SigmaMax)})
		}
	}
	if err := plots.Scatter(filepath.Join(r.O.Figures, p.Name+"_samples.png"), panels, 3, lim); err != nil {
		return err
	}
	if r.Traj != nil {
		// Paths are drawn in the variance-preserving view x_t/√(1+t²): the start (t = T) is then standard noise and
		// the whole path fits the data's scale.
		var paths [][]float64
		for i := 0; i < 48; i++ {
			var path []float64
			for k, s := range r.Traj.States {
				c := 1 / math.Sqrt(1+r.Traj.Times[k]*r.Traj.Times[k])
				path = append(path, c*s[i*dim], c*s[i*dim+1])
			}
			paths = append(paths, path)
		}
		if err := plots.Trajectories(filepath.Join(r.O.Figures, p.Name+"_trajectories.png"),
			fmt.Sprintf("teacher paths x_t/√(1+t²), %s %d steps", p.Solver, p.SolverSteps), r.Eval.Ref[:n], paths, 2.5); err != nil {
			return err
		}
	}
	e1, e2 := PostCurves(r.Summary.Posttrain)
	if len(e1) > 0 {
		floor := r.Summary.NoiseFloor.Energy
		for _, s := range []*[]plots.Series{&e1, &e2} {
			x := (*s)[0].X
			fl := plots.Series{Name: "noise floor (data vs data)", X: []float64{x[0], x[len(x)-1]}, Y: []float64{floor, floor}}
			*s = append(*s, fl)
		}
		if err := plots.Curves(filepath.Join(r.O.Figures, p.Name+"_energy_1step.png"), "1-step energy distance during ECT post-training",
			"post-training step", p.energyAxis(), e1, true); err != nil {
			return err
		}
		if err := plots.Curves(filepath.Join(r.O.Figures, p.Name+"_energy_2step.png"), "2-step energy distance ("+p.TMidLabel()+")",
			"post-training step", p.energyAxis(), e2, true); err != nil {
			return err
		}
	}
	return nil
}

// energyAxis is the y label of this preset's energy-vs-step figures.
func (p *Preset) energyAxis() string { return EnergyAxis(p.EnergyEstimator()) }

// PostCurves are the post-training curves of every init: 1-step and 2-step metric (energy, or FID for images) vs
// step, one series per init.
func PostCurves(rows []PostRow) (one, two []plots.Series) {
	for _, row := range rows {
		a, b := plots.Series{Name: row.Init + " init"}, plots.Series{Name: row.Init + " init"}
		for _, c := range row.Curve {
			a.X, a.Y = append(a.X, c[0]), append(a.Y, c[1])
			b.X, b.Y = append(b.X, c[0]), append(b.Y, c[2])
		}
		one, two = append(one, a), append(two, b)
	}
	return one, two
}
