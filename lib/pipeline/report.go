package pipeline

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Report is a run's results as one table with a caption and notes, built from summary.json's contents alone: make
// run prints it (Text) and the notebooks show it (notebook.Book.Summary), for every kind of run (2D data with a
// consistency model or a flow map, images with FID).
type Report struct {
	Title   string // preset, backend, seed, wall time
	Caption string // what the numbers are: metric, samples, seed
	Header  []string
	Rows    [][]string // the noise floor, the teacher, the student as mid-training leaves it, each post-training run
	Notes   []string   // recipes, the teacher's curve, stage times
}

// MethodTitle names a post-training method in tables, figures and notebooks: ECT, ECD-HEUN, iCT, MeanFlow, LMD.
func MethodTitle(method string) string {
	if t, ok := map[string]string{"meanflow": "MeanFlow", "lmd": "LMD", "ict": "iCT"}[method]; ok {
		return t
	}
	return strings.ToUpper(method)
}

// Report is s as a table.
func (s Summary) Report() Report {
	p := s.Resolved
	rep := Report{Title: fmt.Sprintf("%s (backend %s, seed %d, %.0f s)", s.Preset, s.Backend, s.Seed, s.WallSeconds)}
	img := s.NoiseFloor.FID != nil
	four := s.Student != nil && s.Student.Four != nil
	num := func(m SampleMetrics) string {
		if img {
			return fmt.Sprintf("%.2f", val(m.FID))
		}
		return fmt.Sprintf("%.2e", m.Energy)
	}
	span := func(a, b SampleMetrics) string { return num(a) + " → " + num(b) }
	rep.Header = []string{"model", "steps", "1 step", "2 steps"}
	if four {
		rep.Header = append(rep.Header, "4 steps")
	}
	if img {
		rep.Caption = fmt.Sprintf("%s, seed %d (lower is better; start → end of post-training)", s.FIDName, s.Seed)
	} else {
		rep.Header = append(rep.Header, "sliced W2, 1 step", "modes, 1 step: precision / recall")
		label := EnergyLabel(s.EnergyEstimator)
		rep.Caption = fmt.Sprintf("%s%s to the data (lower is better; %d samples), seed %d; start → end of post-training",
			strings.ToUpper(label[:1]), label[1:], p.EvalSamples, s.Seed)
	}
	row := func(name, steps, one, two string, fourM *SampleMetrics, m SampleMetrics) {
		r := []string{name, steps, one, two}
		if four {
			r = append(r, "")
			if fourM != nil {
				r[4] = num(*fourM)
			}
		}
		if !img {
			r = append(r, fmt.Sprintf("%.3f", m.SW2), m.Modes())
		}
		rep.Rows = append(rep.Rows, r)
	}
	floor := "data vs fresh data (noise floor)"
	if img {
		floor = "training data"
	}
	row(floor, "", num(s.NoiseFloor), "", nil, s.NoiseFloor)
	if t := s.Teacher; t != nil {
		name := fmt.Sprintf("teacher, %s %d NFE", t.Solver, t.NFE)
		if p.FlowMap() {
			name = "flow-matching " + name
		}
		row(name, "", num(t.Samples), "", nil, t.Samples)
	}
	if st := s.Student; st != nil {
		name := "CMT student as mid-training leaves it"
		if p.FlowMap() {
			name = "CMT-MF student as mid-training leaves it"
		}
		row(fmt.Sprintf("%s (t_mid %g)", name, st.TMid), fmt.Sprint(st.Steps), num(st.One), num(st.Two), st.Four, st.One)
	}
	var recipes []string
	for _, r := range s.Posttrain {
		row(fmt.Sprintf("%s from %s (t_mid %g)", MethodTitle(r.Method), r.Init, p.ForInit(r.Init).TMid), fmt.Sprint(r.Steps),
			span(r.Start.One, r.Final.One), span(r.Start.Two, r.Final.Two), r.Four, r.Final.One)
		recipes = append(recipes, p.RecipeText(r.Init))
	}
	if len(recipes) > 0 {
		rep.Notes = append(rep.Notes, "post-training recipes: "+strings.Join(recipes, "; "))
	}
	if t := s.Teacher; t != nil {
		for _, c := range t.Curve {
			rep.Notes = append(rep.Notes, fmt.Sprintf("teacher during pre-training: step %d, %.0f s: %s (%d samples)", c.Step, c.Seconds, num(c.Metrics), c.Samples))
		}
	}
	var times []string
	for _, st := range s.StageSeconds {
		times = append(times, fmt.Sprintf("%s %.1f s", st.Stage, st.Seconds))
	}
	if len(times) > 0 {
		rep.Notes = append(rep.Notes, "stage times: "+strings.Join(times, ", "))
	}
	return rep
}

// Modes is the mode precision and recall of m, "0.93 / 1.00" ("" where the data has no modes).
func (m SampleMetrics) Modes() string {
	if m.Precision == nil {
		return ""
	}
	return fmt.Sprintf("%.2f / %.2f", *m.Precision, *m.Recall)
}

// Text renders the report as an aligned text table (what make run prints).
func (rep Report) Text() string {
	width := make([]int, len(rep.Header))
	for _, r := range append([][]string{rep.Header}, rep.Rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	line := func(r []string) {
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			switch {
			case i == 0:
				b.WriteString(c + pad)
			default:
				b.WriteString(" | " + pad + c)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n== %s ==\n%s\n", rep.Title, rep.Caption)
	line(rep.Header)
	for _, r := range rep.Rows {
		line(r)
	}
	for _, n := range rep.Notes {
		b.WriteString(n + "\n")
	}
	return b.String()
}
