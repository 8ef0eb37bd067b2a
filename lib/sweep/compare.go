package sweep

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
)

// Dataset is one dataset's comparison in make compare's summary.json.
type Dataset struct {
	Data         string  `json:"data"`
	Sweep        string  `json:"sweep"`
	TargetEnergy float64 `json:"target_energy"` // the 1-step energy distance cost_to_target is measured at
	// EnergyEstimator is the estimator of every energy of this dataset (preset eval.energy): v (V-statistic,
	// biased up by a noise floor) or u (U-statistic, unbiased: 0 for equal laws, can be < 0).
	EnergyEstimator string     `json:"energy_estimator"`
	NoiseFloor      Interval   `json:"noise_floor_energy"` // fresh data vs the reference set, over the seeds
	Best            string     `json:"best"`               // the pipeline with the lowest mean final 1-step energy
	Pipelines       []Pipeline `json:"pipelines"`
}

// Pipeline is one initialisation + post-training method over the seeds. Method "none" is the CMT student as it
// leaves mid-training (no post-training).
type Pipeline struct {
	Variant      string         `json:"variant"`
	Init         string         `json:"init"`
	Method       string         `json:"method"`
	Family       string         `json:"family"` // the run\'s post-training method (ect, meanflow, lmd), also for "none"
	Recipe       map[string]any `json:"recipe"`
	Seeds        []int64        `json:"seeds"`
	Energy1      Interval       `json:"energy_1step"` // final: mean of the last FinalEvals evaluations, per seed
	Energy2      Interval       `json:"energy_2step"`
	CostToTarget CostToTarget   `json:"cost_to_target"`
	// VsBest is this pipeline's final 1-step energy minus the best pipeline's, paired by seed (same reference
	// set and evaluation noise): an interval that excludes 0 separates the two.
	VsBest Interval `json:"energy_1step_minus_best"`
	Total  Cost     `json:"total_cost"` // mean over seeds, at the end of post-training
	curves map[int64][][4]float64
	costs  map[int64]Costs
}

// CostToTarget is the mean cost (over seeds) at the first evaluation whose 1-step energy is at most the target;
// null when some seed never reaches it (Reached says how many did).
type CostToTarget struct {
	Evals   *float64 `json:"evals"`
	Seconds *float64 `json:"wall_seconds"`
	Reached int      `json:"seeds_reached"`
}

// Compare builds the dataset's comparison from a finished sweep: one pipeline per variant × init (and "none" for
// every variant that post-trains the CMT init), with target the 1-step energy level for cost_to_target.
func Compare(s Spec, dir string, target float64) (Dataset, error) {
	res, err := Collect(s, dir)
	if err != nil {
		return Dataset{}, err
	}
	ds := Dataset{Sweep: s.Name, TargetEnergy: target}
	var order []string
	by := map[string]*Pipeline{}
	get := func(v, init, method, family string) *Pipeline {
		k := v + "/" + init + "/" + method + "/" + family
		if by[k] == nil {
			by[k] = &Pipeline{Variant: v, Init: init, Method: method, Family: family, curves: map[int64][][4]float64{}, costs: map[int64]Costs{}}
			order = append(order, k)
		}
		return by[k]
	}
	floors := map[int64]float64{}
	for _, r := range res {
		run := RunDir(dir, Variant{Name: r.Variant}, r.Seed)
		sum, err := readSummary(run)
		if err != nil {
			return ds, err
		}
		ds.Data, ds.EnergyEstimator, floors[r.Seed] = sum.Resolved.Data, r.Estimator, r.Floor
		c, err := RunCosts(run)
		if err != nil {
			return ds, err
		}
		if r.Init == "cmt" && len(r.Curve) > 0 {
			p := get(r.Variant, "cmt", "none", r.Method)
			p.curves[r.Seed] = r.Curve[:1]
			p.Recipe = prefixed(sum.Resolved, "mid.")
			p.Recipe["eval.t_mid"] = sum.Resolved.ForInit("cmt").TMid
			if r.Student != nil { // scored with its own 2-step t_mid (a run before that: the cmt recipe's)
				p.curves[r.Seed] = [][4]float64{{0, r.Student[0], r.Student[1], r.Curve[0][3]}}
				p.Recipe["eval.t_mid"] = sum.Resolved.StudentTMid()
			}
			p.costs[r.Seed] = c
		}
		p := get(r.Variant, r.Init, r.Method, r.Method)
		p.curves[r.Seed], p.costs[r.Seed] = r.Curve, c
		p.Recipe = prefixed(sum.Resolved.ForInit(r.Init), "post.")
		p.Recipe["eval.t_mid"] = sum.Resolved.ForInit(r.Init).TMid
	}
	var fl []float64
	for _, f := range floors {
		fl = append(fl, f)
	}
	ds.NoiseFloor = Mean95(fl)
	for _, k := range order {
		by[k].finish(target)
		ds.Pipelines = append(ds.Pipelines, *by[k])
	}
	ds.PairWithBest()
	return ds, nil
}

// PairWithBest finds the pipeline with the lowest mean final 1-step energy and sets every pipeline's paired
// difference to it over their common seeds.
func (d *Dataset) PairWithBest() {
	if len(d.Pipelines) == 0 {
		return
	}
	best := &d.Pipelines[0]
	for i := range d.Pipelines {
		if d.Pipelines[i].Energy1.Mean < best.Energy1.Mean {
			best = &d.Pipelines[i]
		}
	}
	d.Best = best.Variant + ": " + best.Name()
	for i := range d.Pipelines {
		p := &d.Pipelines[i]
		var diff []float64
		for seed, c := range p.curves {
			if b, ok := best.curves[seed]; ok {
				diff = append(diff, lastMean(c, 1)-lastMean(b, 1))
			}
		}
		p.VsBest = Mean95(diff)
	}
}

// prefixed is the preset's settings whose keys start with prefix (per-init recipes left out).
func prefixed(p any, prefix string) map[string]any {
	b, _ := json.Marshal(p)
	var all map[string]any
	_ = json.Unmarshal(b, &all)
	out := map[string]any{}
	for k, v := range all {
		if strings.HasPrefix(k, prefix) && !strings.HasPrefix(k, "post.recipe.") && k != "post.inits" {
			out[k] = v
		}
	}
	return out
}

// costAt is the cost of pipeline p on a seed after step post-training steps.
func (p *Pipeline) costAt(seed int64, step float64) Cost {
	c := p.costs[seed]
	if p.Method == "none" {
		return c.Before["none"]
	}
	return c.Before[p.Init].Add(c.PerStep[p.Init].Scale(step))
}

func (p *Pipeline) finish(target float64) {
	p.Seeds, p.CostToTarget = nil, CostToTarget{}
	var f1, f2, ce, cs []float64
	var total Cost
	for seed, curve := range p.curves {
		p.Seeds = append(p.Seeds, seed)
		f1, f2 = append(f1, lastMean(curve, 1)), append(f2, lastMean(curve, 2))
		end := p.costAt(seed, curve[len(curve)-1][0])
		total = total.Add(end)
		for _, pt := range curve {
			if pt[1] <= target {
				c := p.costAt(seed, pt[0])
				ce, cs = append(ce, c.Evals), append(cs, c.Seconds)
				break
			}
		}
	}
	sort.Slice(p.Seeds, func(i, j int) bool { return p.Seeds[i] < p.Seeds[j] })
	p.Energy1, p.Energy2 = Mean95(f1), Mean95(f2)
	p.Total = total.Scale(1 / float64(len(p.curves)))
	p.CostToTarget.Reached = len(ce)
	if len(ce) == len(p.curves) && len(ce) > 0 {
		e, s := Mean95(ce).Mean, Mean95(cs).Mean
		p.CostToTarget.Evals, p.CostToTarget.Seconds = &e, &s
	}
}

// Name is the pipeline's label in tables and figures.
func (p Pipeline) Name() string {
	if p.Method == "none" {
		if p.Family == "meanflow" || p.Family == "lmd" {
			return "cmt-mf, no post-training"
		}
		return "cmt, no post-training"
	}
	return fmt.Sprintf("%s init, %s", p.Init, p.Method)
}

// CompareTable renders a dataset's pipelines as Markdown.
func CompareTable(d Dataset) string {
	var b strings.Builder
	w := pipeline.MetricWord(d.EnergyEstimator)
	fmt.Fprintf(&b, "%s (sweep %s): %s; final = mean of the last %d evaluations, mean ± 95 %% interval over seeds; "+
		"cost to reach 1-step %s %.3g in millions of network evaluations (training examples + teacher NFE) and seconds; "+
		"noise floor (fresh data vs the reference set) %s; last column: final 1-step score minus the best pipeline's (%s), paired by seed\n\n",
		d.Data, d.Sweep, pipeline.EnergyLabel(d.EnergyEstimator), FinalEvals, w, d.TargetEnergy, d.NoiseFloor, d.Best)
	fmt.Fprintf(&b, "| variant | pipeline | recipe | seeds | 1-step %s | 2-step %s | total cost (M evals, s) | cost to target (M evals, s) | − best, paired |\n", w, w)
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|---|")
	for _, p := range d.Pipelines {
		ctt := fmt.Sprintf("not reached (%d/%d seeds)", p.CostToTarget.Reached, len(p.Seeds))
		if p.CostToTarget.Evals != nil {
			ctt = fmt.Sprintf("%.2f, %.0f", *p.CostToTarget.Evals/1e6, *p.CostToTarget.Seconds)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %.2f, %.0f | %s | %s |\n", p.Variant, p.Name(), recipeText(p), len(p.Seeds), p.Energy1, p.Energy2,
			p.Total.Evals/1e6, p.Total.Seconds, ctt, p.VsBest)
	}
	return b.String()
}

// recipeText is the recipe's learning rate, schedule and Δt setting, the keys a search varies, and the 2-step
// sampler's t_mid.
func recipeText(p Pipeline) string {
	r := p.Recipe
	tmid := fmt.Sprintf("; 2-step t_mid %v", r["eval.t_mid"])
	if p.Method == "none" {
		return fmt.Sprintf("%v mid-training steps%s", r["mid.steps"], tmid)
	}
	if p.Method == "meanflow" || p.Method == "lmd" {
		return fmt.Sprintf("lr %v %s, ratio %v, p %v, %v steps%s", r["post.lr"], r["post.lr_schedule"], r["post.ratio"], r["post.adaptive_p"], r["post.steps"], tmid)
	}
	dt := fmt.Sprintf("q %v", r["post.q"])
	if de, ok := r["post.double_every"].(float64); ok && de > 0 {
		dt = fmt.Sprintf("q %v doubled every %v", r["post.q"], de)
	}
	return fmt.Sprintf("lr %v %s, %s, %v steps%s", r["post.lr"], r["post.lr_schedule"], dt, r["post.steps"], tmid)
}

// CompareFigures draws a dataset's 1-step energy (mean over seeds) against post-training steps and against total
// cost (M network evaluations, everything the pipeline trained before included), and the cost to reach a range of
// energy levels; it returns the paths.
func CompareFigures(d Dataset, dir string) ([]string, error) {
	variants := map[string]bool{}
	for _, p := range d.Pipelines {
		variants[p.Variant] = true
	}
	label := func(p Pipeline) string {
		if len(variants) > 1 {
			return p.Variant + ": " + p.Name()
		}
		return p.Name()
	}
	var bySteps, byCost []plots.Series
	for _, p := range d.Pipelines {
		a, c := plots.Series{Name: label(p)}, plots.Series{Name: label(p)}
		for i := range p.curves[p.Seeds[0]] {
			var e, x, n float64
			for _, seed := range p.Seeds {
				curve := p.curves[seed]
				if i >= len(curve) {
					continue
				}
				e += curve[i][1]
				x += p.costAt(seed, curve[i][0]).Evals / 1e6
				n++
			}
			a.X, a.Y = append(a.X, p.curves[p.Seeds[0]][i][0]), append(a.Y, e/n)
			c.X, c.Y = append(c.X, x/n), append(c.Y, e/n)
		}
		if p.Method != "none" {
			bySteps = append(bySteps, a)
		}
		if p.Method == "none" { // a point: draw it as a short flat segment so it shows as a curve with a marker
			c.X, c.Y = append(c.X, c.X[0]*1.01), append(c.Y, c.Y[0])
		}
		byCost = append(byCost, c)
	}
	seeds := fmt.Sprint(d.Pipelines[0].Seeds)
	w := pipeline.MetricWord(d.EnergyEstimator)
	p1 := filepath.Join(dir, fmt.Sprintf("compare_%s_energy_vs_steps.png", d.Data))
	if err := plots.Curves(p1, fmt.Sprintf("%s: 1-step %s vs post-training step (seeds %s)", d.Data, w, seeds),
		"post-training step", energyAxis(d.EnergyEstimator), bySteps, true); err != nil {
		return nil, err
	}
	p2 := filepath.Join(dir, fmt.Sprintf("compare_%s_energy_vs_cost.png", d.Data))
	if err := plots.Curves(p2, fmt.Sprintf("%s: 1-step %s vs total cost (seeds %s)", d.Data, w, seeds),
		"million network evaluations (pre-, mid- and post-training, teacher NFE)", energyAxis(d.EnergyEstimator), byCost, true); err != nil {
		return nil, err
	}
	var reach []plots.Series
	levels := []float64{0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.0015, 0.001}
	switch d.EnergyEstimator {
	case "u": // no noise floor of order 1e-3 (V-statistic at 5000 samples): lower levels resolve
		levels = append(levels, 5e-4, 2e-4, 1e-4)
	case pipeline.MetricFID:
		levels = []float64{300, 200, 150, 120, 100, 90, 80, 70}
	}
	for _, p := range d.Pipelines {
		s := plots.Series{Name: label(p)}
		for _, lv := range levels {
			q := p
			q.finish(lv)
			if q.CostToTarget.Evals != nil {
				s.X, s.Y = append(s.X, math.Log10(lv)), append(s.Y, *q.CostToTarget.Evals/1e6)
			}
		}
		if len(s.X) > 0 {
			reach = append(reach, s)
		}
	}
	if len(reach) == 0 { // no pipeline reaches even the highest level on every seed
		return []string{p1, p2}, nil
	}
	p3 := filepath.Join(dir, fmt.Sprintf("compare_%s_cost_to_reach.png", d.Data))
	if err := plots.Curves(p3, fmt.Sprintf("%s: cost to reach a 1-step %s (seeds %s)", d.Data, w, seeds),
		"log10 of the 1-step "+w+" level", "million network evaluations", reach, false); err != nil {
		return nil, err
	}
	return []string{p1, p2, p3}, nil
}
