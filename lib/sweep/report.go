package sweep

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
)

// Interval is a mean over seeds with the half-width of its 95 % confidence interval (Student t, n − 1 degrees of
// freedom; 0 when n = 1).
type Interval struct {
	Mean float64 `json:"mean"`
	CI95 float64 `json:"ci95"`
	N    int     `json:"n"`
}

// tQuantile975 is the 0.975 quantile of Student's t with df degrees of freedom.
func tQuantile975(df int) float64 {
	table := []float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228}
	if df < len(table) {
		return table[df]
	}
	if df < 30 {
		return 2.04 + 0.19*(30-float64(df))/19 // within 0.01 of the exact value for 10 < df < 30
	}
	return 1.96
}

// Mean95 is the mean of xs with its 95 % interval.
func Mean95(xs []float64) Interval {
	n := len(xs)
	if n == 0 {
		return Interval{Mean: math.NaN()}
	}
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(n)
	if n == 1 {
		return Interval{Mean: m, N: 1}
	}
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return Interval{Mean: m, CI95: tQuantile975(n-1) * math.Sqrt(ss/float64(n-1)/float64(n)), N: n}
}

// Row is one variant × initialisation over its seeds.
type Row struct {
	Variant, Note, Init string
	Final1, Final2      Interval // final 1- and 2-step energy distance
	Start1              Interval // right after initialisation
	Estimator           string   // energy distance estimator: v (V-statistic) or u (U-statistic)
	// Paired1 and Paired2 are the final 1- and 2-step energies minus those of the sweep's first variant with the
	// same init on the same seed, over the seeds both have: a difference of arms without the spread between seeds
	// (each seed draws its own reference set, so the floor moves from seed to seed). N = 0 when not available.
	Paired1, Paired2 Interval
}

// Aggregate groups results by variant and init, in the spec's variant order and the runs' init order.
func Aggregate(s Spec, res []Result) []Row {
	var rows []Row
	for _, v := range s.Variants {
		var inits []string
		by := map[string][]Result{}
		for _, r := range res {
			if r.Variant != v.Name {
				continue
			}
			if by[r.Init] == nil {
				inits = append(inits, r.Init)
			}
			by[r.Init] = append(by[r.Init], r)
		}
		for _, init := range inits {
			var f1, f2, s1 []float64
			for _, r := range by[init] {
				f1, f2, s1 = append(f1, r.Final1), append(f2, r.Final2), append(s1, r.Start1)
			}
			rows = append(rows, Row{Variant: v.Name, Note: v.Note, Init: init, Final1: Mean95(f1), Final2: Mean95(f2),
				Start1: Mean95(s1), Estimator: by[init][0].Estimator})
		}
	}
	if len(s.Variants) > 1 {
		pairWithFirst(s.Variants[0].Name, res, rows)
	}
	return rows
}

// pairWithFirst fills each row's paired differences to the first variant's result of the same init and seed.
func pairWithFirst(first string, res []Result, rows []Row) {
	type key struct {
		init string
		seed int64
	}
	base := map[key]Result{}
	for _, r := range res {
		if r.Variant == first {
			base[key{r.Init, r.Seed}] = r
		}
	}
	for i := range rows {
		var d1, d2 []float64
		for _, r := range res {
			b, ok := base[key{r.Init, r.Seed}]
			if r.Variant != rows[i].Variant || r.Init != rows[i].Init || !ok {
				continue
			}
			d1, d2 = append(d1, r.Final1-b.Final1), append(d2, r.Final2-b.Final2)
		}
		if len(d1) > 1 {
			rows[i].Paired1, rows[i].Paired2 = Mean95(d1), Mean95(d2)
		}
	}
}

func (i Interval) String() string {
	if i.N <= 1 {
		return fmt.Sprintf(i.format(""), i.Mean)
	}
	return fmt.Sprintf(i.format("")+" ± "+i.format("spread"), i.Mean, i.CI95)
}

// format is the verb for the mean ("") or the interval ("spread"): FIDs (≥ 10) read better as plain numbers than
// with exponents.
func (i Interval) format(part string) string {
	switch {
	case math.Abs(i.Mean) >= 10:
		return "%.1f"
	case part == "spread":
		return "%.1e"
	}
	return "%.2e"
}

// signed renders a paired difference with its sign, "—" when there is none.
func signed(i Interval) string {
	if i.N <= 1 {
		return "—"
	}
	return fmt.Sprintf("%+"+i.format("")[1:]+" ± "+i.format("spread"), i.Mean, i.CI95)
}

// Table renders the rows as a Markdown table, with the paired differences to the first variant when there are.
func Table(s Spec, rows []Row) string {
	var b strings.Builder
	est := "v"
	if len(rows) > 0 {
		est = rows[0].Estimator
	}
	fmt.Fprintf(&b, "Sweep %s (preset %s; base %s; seeds %v). Final = mean of the last %d evaluations; mean ± 95 %% interval over seeds; %s.\n\n",
		s.Name, s.Preset, s.Base, s.Seeds, FinalEvals, pipeline.EnergyLabel(est))
	w := pipeline.MetricWord(est)
	paired := false
	for _, r := range rows {
		paired = paired || r.Paired1.N > 1
	}
	if !paired {
		fmt.Fprintf(&b, "| variant | what it changes | init | seeds | 1-step %s, start | 1-step %s, final | 2-step %s, final |\n", w, w, w)
		fmt.Fprintln(&b, "|---|---|---|---|---|---|---|")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s |\n", r.Variant, r.Note, r.Init, r.Final1.N, r.Start1, r.Final1, r.Final2)
		}
		return b.String()
	}
	first := s.Variants[0].Name
	fmt.Fprintf(&b, "| variant | what it changes | init | seeds | 1-step %s, start | 1-step %s, final | 2-step %s, final | 1-step − %s's, paired by seed | 2-step − %s's, paired |\n", w, w, w, first, first)
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		p1, p2 := "0", "0"
		if r.Variant != first {
			p1, p2 = signed(r.Paired1), signed(r.Paired2)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", r.Variant, r.Note, r.Init, r.Final1.N, r.Start1, r.Final1, r.Final2, p1, p2)
	}
	return b.String()
}

// energyAxis is the y label of a 1-step energy figure with the given estimator (log axes drop values ≤ 0).
func energyAxis(estimator string) string { return "1-step " + pipeline.EnergyAxis(estimator) }

// maxCurves is the most curves a sweep figure draws.
const maxCurves = 6

// finalOf is the mean of a curve's last FinalEvals values.
func finalOf(s plots.Series) float64 {
	k := min(FinalEvals, len(s.Y))
	var sum float64
	for _, y := range s.Y[len(s.Y)-k:] {
		sum += y
	}
	return sum / float64(k)
}

// Figures draws, for each init, the 1-step energy curves of every variant (mean over seeds at each evaluation
// step) into dir/<sweep>_<init>.png — the maxCurves best by final value when there are more — and returns the paths.
// A sweep without post-training steps (post.steps=0: models scored as they leave mid-training) gets finalsFigure
// instead.
func Figures(s Spec, res []Result, dir string) ([]string, error) {
	var paths []string
	var inits []string
	seen := map[string]bool{}
	for _, r := range res {
		if !seen[r.Init] {
			seen[r.Init] = true
			inits = append(inits, r.Init)
		}
	}
	for _, init := range inits {
		if atStartOnly(res, init) {
			p, err := finalsFigure(s, res, init, dir)
			if err != nil {
				return paths, err
			}
			paths = append(paths, p)
			continue
		}
		var series []plots.Series
		for _, v := range s.Variants {
			sum, cnt := map[float64]float64{}, map[float64]int{}
			var steps []float64
			for _, r := range res {
				if r.Variant != v.Name || r.Init != init {
					continue
				}
				for _, c := range r.Curve {
					if cnt[c[0]] == 0 {
						steps = append(steps, c[0])
					}
					sum[c[0]] += c[1]
					cnt[c[0]]++
				}
			}
			if len(steps) == 0 {
				continue
			}
			se := plots.Series{Name: v.Name}
			for _, st := range steps {
				se.X, se.Y = append(se.X, st), append(se.Y, sum[st]/float64(cnt[st]))
			}
			series = append(series, se)
		}
		title := fmt.Sprintf("%s, %s init: 1-step %s (mean of seeds %v)", s.Name, init, pipeline.MetricWord(res[0].Estimator), s.Seeds)
		if len(series) > maxCurves { // a legend of many curves hides them: keep the best by their final value
			sort.SliceStable(series, func(i, j int) bool { return finalOf(series[i]) < finalOf(series[j]) })
			title = fmt.Sprintf("%s, %s init: best %d of %d (seeds %v)", s.Name, init, maxCurves, len(series), s.Seeds)
			series = series[:maxCurves]
		}
		p := filepath.Join(dir, fmt.Sprintf("%s_%s.png", s.Name, init))
		if err := plots.Curves(p, title, "post-training step", energyAxis(res[0].Estimator), series, true); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// atStartOnly reports whether every run of init was evaluated at step 0 only (post.steps=0).
func atStartOnly(res []Result, init string) bool {
	for _, r := range res {
		if r.Init == init && len(r.Curve) > 1 {
			return false
		}
	}
	return true
}

// finalsFigure draws dir/<sweep>_<init>.png: per variant, the 1- and 2-step energies' means over seeds, each with
// the 95 % interval of its difference to the first variant paired by seed drawn around it (a bar that misses the
// first variant's level is a difference that the seeds resolve), and the mean noise floor and teacher levels.
func finalsFigure(s Spec, res []Result, init, dir string) (string, error) {
	var rows []Row
	for _, r := range Aggregate(s, res) {
		if r.Init == init {
			rows = append(rows, r)
		}
	}
	one, two := plots.DotSeries{Name: "1 step"}, plots.DotSeries{Name: "2 steps"}
	var cats []string
	for _, r := range rows {
		cats = append(cats, r.Variant)
		for _, x := range []struct {
			s      *plots.DotSeries
			iv, pr Interval
		}{{&one, r.Final1, r.Paired1}, {&two, r.Final2, r.Paired2}} {
			ci := math.NaN() // the first variant: no bar
			if x.pr.N > 1 {
				ci = x.pr.CI95
			}
			x.s.Y = append(x.s.Y, x.iv.Mean)
			x.s.Lo, x.s.Hi = append(x.s.Lo, x.iv.Mean-ci), append(x.s.Hi, x.iv.Mean+ci)
		}
	}
	var floor, teacher []float64
	for _, r := range res {
		if r.Init == init {
			floor, teacher = append(floor, r.Floor), append(teacher, r.Teacher)
		}
	}
	path := filepath.Join(dir, fmt.Sprintf("%s_%s.png", s.Name, init))
	err := plots.Dots(path, plots.DotChart{
		Title: fmt.Sprintf("%s (%s): mean of seeds %v; bars: 95 %% interval of the difference to %s, paired by seed",
			s.Name, init, s.Seeds, s.Variants[0].Name),
		YLabel:     pipeline.EnergyAxis(res[0].Estimator),
		Categories: cats, Series: []plots.DotSeries{one, two},
		Refs: []plots.RefLine{{Name: "teacher (16 NFE)", Y: Mean95(teacher).Mean}, {Name: "noise floor", Y: Mean95(floor).Mean}},
		LogY: true,
	})
	return path, err
}
