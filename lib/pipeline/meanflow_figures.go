package pipeline

import (
	"fmt"
	"path/filepath"

	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/plots"
)

// fewStepRow is one flow map's 1-, 2- and 4-step samples (from the evaluator's fixed noise) and their metrics.
type fewStepRow struct {
	Name    string
	Short   string // figure label
	Init    string // "" for the CMT-MF student itself
	Steps   int
	Samples [3][]float64
	Metrics [3]SampleMetrics
}

var fewStepCounts = [3]int{1, 2, 4}

// fewStepRows samples the CMT-MF student and every post-trained map with 1, 2 and 4 steps, scores them and logs
// the numbers to metrics.jsonl.
func (r *Run) fewStepRows(inits []string) ([]fewStepRow, error) {
	type entry struct {
		name, short, init string
		steps             int
		m                 flowmap.HostMap
	}
	var ms []entry
	if r.Mid != nil {
		ms = append(ms, entry{"CMT-MF (mid-training)", "CMT-MF", "", r.Mid.Step, r.Mid.EMAFunc2(r.psiFwd)})
	}
	for _, init := range inits {
		if st := r.Post[init]; st != nil {
			ms = append(ms, entry{r.P.PostMethod + " from " + init, MethodTitle(r.P.PostMethod) + " from " + init, init, st.Step, st.EMAFunc2(r.psiFwd)})
		}
	}
	var rows []fewStepRow
	for _, m := range ms {
		row := fewStepRow{Name: m.name, Short: m.short, Init: m.init, Steps: m.steps}
		var err error
		tMid := r.P.StudentTMid() // the CMT-MF student as it leaves mid-training
		if m.init != "" {
			tMid = r.P.ForInit(m.init).TMid
		}
		if row.Samples, err = r.fewStep(m.m, tMid); err != nil {
			return nil, err
		}
		rec := map[string]any{"stage": "fewstep", "model": m.name, "steps": m.steps}
		for i, x := range row.Samples {
			if row.Metrics[i], err = r.Eval.Score(x); err != nil {
				return nil, err
			}
			rec[fmt.Sprintf("energy_%dstep", fewStepCounts[i])] = row.Metrics[i].Energy
		}
		if err := r.Log.Write(rec); err != nil {
			return nil, err
		}
		rows = append(rows, row)
		four := row.Metrics[2]
		switch {
		case m.init == "" && r.Summary.Student != nil:
			r.Summary.Student.Four = &four
		case m.init != "":
			for i := range r.Summary.Posttrain {
				if r.Summary.Posttrain[i].Init == m.init {
					r.Summary.Posttrain[i].Four = &four
				}
			}
		}
	}
	return rows, nil
}

// figuresFlowMap writes the flow-map run's PNGs: samples per stage, 1/2/4-step samples per model, teacher
// trajectories, and the 1- and 2-step energy distance vs post-training step.
func (r *Run) figuresFlowMap(rows []fewStepRow) error {
	p, dim := r.P, r.Data.Dim()
	if dim != 2 {
		return nil
	}
	n := min(p.EvalSamples, 3000) * dim
	cut := func(x []float64) []float64 { return x[:min(n, len(x))] }
	panels := []plots.Panel{{Title: "data (" + p.Data + ")", Points: cut(r.Eval.Ref)}}
	if r.Traj != nil {
		panels = append(panels, plots.Panel{Title: fmt.Sprintf("FM teacher, %s, %d NFE", p.Solver, r.Traj.NFE), Points: cut(r.Traj.End())})
	}
	for _, row := range rows {
		panels = append(panels, plots.Panel{Title: fmt.Sprintf("%s (%d steps), 1-step", row.Short, row.Steps), Points: cut(row.Samples[0])})
	}
	if err := plots.Scatter(filepath.Join(r.O.Figures, p.Name+"_samples.png"), panels, 3, 2); err != nil {
		return err
	}
	panels = panels[:0]
	for _, row := range rows {
		for i, x := range row.Samples {
			panels = append(panels, plots.Panel{Title: fmt.Sprintf("%s, %d-step (ED %.1e)", row.Short, fewStepCounts[i], row.Metrics[i].Energy),
				Points: cut(x), Color: plots.Palette[i]})
		}
	}
	if len(panels) > 0 {
		if err := plots.Scatter(filepath.Join(r.O.Figures, p.Name+"_fewstep.png"), panels, 3, 2); err != nil {
			return err
		}
	}
	if r.Traj != nil {
		var paths [][]float64
		for i := 0; i < 48; i++ {
			var path []float64
			for _, s := range r.Traj.States {
				path = append(path, s[i*dim], s[i*dim+1])
			}
			paths = append(paths, path)
		}
		if err := plots.Trajectories(filepath.Join(r.O.Figures, p.Name+"_trajectories.png"),
			fmt.Sprintf("FM teacher ODE paths, t = 1 → 0 (%s, %d NFE)", p.Solver, r.Traj.NFE), cut(r.Eval.Ref), paths, 3); err != nil {
			return err
		}
	}
	e1, e2 := PostCurves(r.Summary.Posttrain)
	if len(e1) == 0 {
		return nil
	}
	floor := r.Summary.NoiseFloor.Energy
	for _, s := range []*[]plots.Series{&e1, &e2} {
		x := (*s)[0].X
		*s = append(*s, plots.Series{Name: "noise floor (data vs data)", X: []float64{x[0], x[len(x)-1]}, Y: []float64{floor, floor}})
	}
	what := MethodTitle(p.PostMethod)
	if err := plots.Curves(filepath.Join(r.O.Figures, p.Name+"_energy_1step.png"), "1-step energy distance during "+what+" post-training",
		"post-training step", p.energyAxis(), e1, true); err != nil {
		return err
	}
	return plots.Curves(filepath.Join(r.O.Figures, p.Name+"_energy_2step.png"),
		fmt.Sprintf("2-step energy distance during %s (%s)", what, p.TMidLabel()),
		"post-training step", p.energyAxis(), e2, true)
}
