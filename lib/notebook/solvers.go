package notebook

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
	"github.com/gocmt/cmt/lib/solver"
)

// solverNames are readers' names of the solver methods.
var solverNames = map[string]string{
	"euler": "Euler", "heun": "Heun (EDM)", "dpm1": "DPM-Solver++ 1", "dpm2": "DPM-Solver++ 2M",
	"dpm3": "DPM-Solver++ 3M", "dpm3-taylor": "DPM-Solver++ 3M (Taylor)",
}

func solverName(m string) string {
	if n, ok := solverNames[m]; ok {
		return n
	}
	return m
}

// CompareSolvers solves the teacher's PF-ODE from the same starting noise x_T = T·z (the evaluator's fixed noise)
// with each method at about nfe denoiser calls, on CMT's log-SNR grid, and shows each solver's trajectories side
// by side, their samples next to the data, and a table of sample metrics. The run needs a trained teacher.
func (b *Book) CompareSolvers(r *pipeline.Run, nfe int, methods ...string) {
	if r.Teacher == nil {
		b.Fail(fmt.Errorf("CompareSolvers needs the teacher: nb.Run(\"pretrain\") first"))
	}
	p, dim := r.P, r.Data.Dim()
	teacher := solver.DenoiserFunc(r.Teacher.EMAFunc())
	xT := make([]float64, len(r.Eval.Z))
	for i, z := range r.Eval.Z {
		xT[i] = p.SigmaMax * z
	}
	nShow := min(3000, len(xT)/dim) * dim
	panels := []plots.Panel{{Title: "data", Points: r.Eval.Ref[:nShow], Color: plots.Palette[7]}}
	var figs []string
	rows := [][]string{metricRow("data vs fresh data (noise floor)", []string{"", ""}, r.Summary.NoiseFloor)}
	for i, m := range methods {
		steps := solver.StepsForNFE(m, nfe)
		tr, err := solver.Solve(m, teacher, xT, dim, solver.LogSNRGrid(p.SigmaMax, p.SigmaMin, steps))
		b.Must(err)
		sm, err := r.Eval.Score(tr.End())
		b.Must(err)
		rows = append(rows, metricRow(solverName(m), []string{strconv.Itoa(steps), strconv.Itoa(tr.NFE)}, sm))
		title := fmt.Sprintf("%s: %d steps, %d NFE", solverName(m), steps, tr.NFE)
		panels = append(panels, plots.Panel{Title: title, Points: tr.End()[:nShow], Color: plots.Palette[i%len(plots.Palette)]})
		path := filepath.Join(b.FigDir, fmt.Sprintf("trajectories_%s_%dnfe.png", m, nfe))
		b.Must(plots.Trajectories(path, title+" (t ≤ 3)", r.Eval.Ref[:nShow], pathsBelow(tr, 40, 3), 2.5))
		figs = append(figs, path)
	}
	b.Heading(fmt.Sprintf("The teacher's PF-ODE from the same noise, about %d denoiser calls (NFE) per solver", nfe))
	b.Show(figs...)
	samples := filepath.Join(b.FigDir, fmt.Sprintf("solver_samples_%dnfe.png", nfe))
	b.Must(plots.Scatter(samples, panels, len(panels), 2))
	b.Show(samples)
	b.Table(fmt.Sprintf("Samples of each solver (%d points) against the data", len(xT)/dim),
		[]string{"solver", "steps", "NFE", "energy distance²", "sliced W2", "mode precision", "mode recall"}, rows)
}

// pathsBelow returns the first n trajectories as 2D paths, keeping the states at t ≤ tMax (the first states sit at
// the noise's scale, T = 80, far outside the data's).
func pathsBelow(tr *solver.Trajectory, n int, tMax float64) [][]float64 {
	var paths [][]float64
	for i := 0; i < min(n, tr.N()); i++ {
		var path []float64
		for k, s := range tr.States {
			if tr.Times[k] <= tMax {
				path = append(path, s[i*tr.Dim], s[i*tr.Dim+1])
			}
		}
		paths = append(paths, path)
	}
	return paths
}

// metricRow is a table row: name, extra columns (e.g. steps and NFE), then the sample metrics.
func metricRow(name string, extra []string, m pipeline.SampleMetrics) []string {
	row := append(append([]string{name}, extra...), e(m.Energy), fmt.Sprintf("%.3f", m.SW2))
	if m.Precision != nil {
		row = append(row, fmt.Sprintf("%.2f", *m.Precision), fmt.Sprintf("%.2f", *m.Recall))
	}
	return row
}

// refSteps is the step count of the reference solve that stands for the exact flow map.
const refSteps = 1024

// SolverErrors measures how far each method lands from the exact flow map Ψ_{T→t_min}(x_T) of the mixture the
// teacher learned, at each NFE budget: with the mixture's exact denoiser (the solver's own error) and, for the
// last method, with the trained teacher (solver error plus the teacher's own). The exact map is a refSteps-step
// third-order DPM-Solver++ solve of the exact denoiser. It shows a figure and a table of RMS end-point errors over
// npts starting points. It needs mixture data (gmm8) and a trained teacher.
func (b *Book) SolverErrors(r *pipeline.Run, npts int, nfes []int, methods ...string) {
	if r.GMM == nil || r.Teacher == nil {
		b.Fail(fmt.Errorf("SolverErrors needs mixture data (gmm8: its exact denoiser) and a trained teacher"))
	}
	p, dim := r.P, r.Data.Dim()
	npts = min(npts, len(r.Eval.Z)/dim)
	xT := make([]float64, npts*dim)
	for i := range xT {
		xT[i] = p.SigmaMax * r.Eval.Z[i]
	}
	ref, err := solver.Solve("dpm3-taylor", r.GMM, xT, dim, solver.LogSNRGrid(p.SigmaMax, p.SigmaMin, refSteps))
	b.Must(err)
	cats := make([]string, len(nfes))
	for i, n := range nfes {
		cats[i] = strconv.Itoa(n)
	}
	var series []plots.DotSeries
	var rows [][]string
	add := func(name string, d solver.Denoiser, m string) {
		s := plots.DotSeries{Name: name}
		row := []string{name}
		for _, n := range nfes {
			pts, err := solver.EndErrors(d, xT, dim, p.SigmaMax, p.SigmaMin, ref.End(), []string{m}, []int{solver.StepsForNFE(m, n)})
			b.Must(err)
			s.Y = append(s.Y, pts[0].RMS)
			row = append(row, e(pts[0].RMS))
		}
		series, rows = append(series, s), append(rows, row)
	}
	for _, m := range methods {
		add(solverName(m)+", exact denoiser", r.GMM, m)
	}
	last := methods[len(methods)-1]
	add(solverName(last)+", trained teacher", solver.DenoiserFunc(r.Teacher.EMAFunc()), last)
	path := filepath.Join(b.FigDir, "solver_error_vs_nfe.png")
	b.Must(plots.Dots(path, plots.DotChart{
		Title: "Solver error against the exact flow map", XLabel: "denoiser calls (NFE)", YLabel: "RMS end-point error",
		Categories: cats, Series: series, LogY: true, Connect: true,
		Refs: []plots.RefLine{{Name: "mode std / 10", Y: r.GMM.ModeStd() / 10}},
	}))
	b.Show(path)
	b.Table(fmt.Sprintf("RMS distance of the end point to the exact flow map over %d starting points x_T (mode std %.2g)", npts, r.GMM.ModeStd()),
		append([]string{"solver, denoiser \\ NFE"}, cats...), rows)
}
