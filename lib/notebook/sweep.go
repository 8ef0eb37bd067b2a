package notebook

import (
	"fmt"
	"html"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
	"github.com/gocmt/cmt/lib/train"
)

// SweepArm is one arm of a mid-training ablation, scored right after mid-training.
type SweepArm struct {
	Value, Label string
	Pairs        int     // regression pairs in the pool
	NFE          int     // teacher denoiser calls per trajectory
	Seconds      float64 // wall time of this arm's trajectories and mid-training
	Resumed      bool    // trained before (same settings): resumed from its checkpoint
	One, Two     pipeline.SampleMetrics
}

// armLabels are readers' names of the swept values.
var armLabels = map[string]map[string]string{
	"mid.distance": {"l2sq": "squared ℓ2 (CMT)", "l2": "ℓ2 norm", "huber": "pseudo-Huber"},
	"mid.solver":   {"euler": "Euler", "heun": "Heun", "dpm1": "DPM-Solver++ 1", "dpm2": "DPM++ 2M", "dpm3": "DPM++ 3M (CMT)"},
	"mid.pairs":    {"all": "all trajectory points (CMT)", "endpoint": "endpoint only: x_T → x̂₀"},
}

// axisLabels name the x axis of numeric sweeps.
var axisLabels = map[string]string{"mid.solver_steps": "solver steps M per teacher trajectory", "mid.steps": "mid-training steps"}

// Sweep is one ablation of mid-training: for each value of the setting key (a -set key such as "mid.distance"),
// a CMT student is mid-trained from the notebook's teacher with that value and every other setting as in the
// notebook, then scored right after mid-training by the 1- and 2-step energy distance to the data. It shows the
// arm in training in one live block, then a figure (energy per arm, with the noise floor and the teacher's level)
// and a table. An arm trained before (in an earlier cell or run, with the same settings) resumes from its
// checkpoint, so arms shared between sweeps train once.
func (b *Book) Sweep(title, key string, values ...string) []SweepArm {
	r := b.Run("pretrain", "trajectories")
	numeric := true
	for _, v := range values {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			numeric = false
		}
	}
	t0 := time.Now()
	var arms []SweepArm
	for i, v := range values {
		label := v
		if l, ok := armLabels[key][v]; ok {
			label = l
		}
		b.watch.arm("sweep-"+key, fmt.Sprintf("%s, arm %d/%d: %s = %s — ", title, i+1, len(values), key, v))
		arm, err := b.sweepArm(r, key, v)
		b.watch.arm("", "")
		if err != nil {
			b.Fail(fmt.Errorf("%s = %s: %w", key, v, err))
		}
		arm.Label = label
		arms = append(arms, arm)
	}
	trained := 0
	for _, a := range arms {
		if !a.Resumed {
			trained++
		}
	}
	b.watch.replace("sweep-"+key, fmt.Sprintf(`<div style="color:#555;font-size:90%%">%s: %d arms, %d mid-trained here and %d resumed (trained before with the same settings), in %.0f s</div>`,
		html.EscapeString(title), len(arms), trained, len(arms)-trained, time.Since(t0).Seconds()))

	cats := make([]string, len(arms))
	one, two := plots.DotSeries{Name: "1 step"}, plots.DotSeries{Name: "2 steps"}
	var rows [][]string
	for i, a := range arms {
		cats[i] = a.Label
		one.Y, two.Y = append(one.Y, a.One.Energy), append(two.Y, a.Two.Energy)
		secs := fmt.Sprintf("%.1f", a.Seconds)
		if a.Resumed {
			secs = "resumed"
		}
		rows = append(rows, []string{a.Label, strconv.Itoa(a.Pairs), strconv.Itoa(a.NFE), secs,
			e(a.One.Energy), e(a.Two.Energy), a.One.Modes()})
	}
	refs := []plots.RefLine{{Name: "noise floor (data vs data)", Y: r.Summary.NoiseFloor.Energy}}
	if t := r.Summary.Teacher; t != nil {
		refs = append(refs, plots.RefLine{Name: fmt.Sprintf("teacher, %s %d NFE", t.Solver, t.NFE), Y: t.Samples.Energy})
	}
	path := filepath.Join(b.FigDir, "ablation_"+strings.ReplaceAll(key, ".", "_")+".png")
	b.Must(plots.Dots(path, plots.DotChart{
		Title: "Right after mid-training: " + title, XLabel: axisLabels[key], YLabel: "energy distance² to the data (log)",
		Categories: cats, Series: []plots.DotSeries{one, two}, Refs: refs, LogY: true, Connect: numeric,
	}))
	b.Show(path)
	b.Table(title+" (scored right after mid-training, before post-training)",
		[]string{key, "pairs", "NFE / trajectory", "time (s)", "energy² 1 step", "energy² 2 steps", "modes 1 step: precision / recall"}, rows)
	return arms
}

// sweepArm mid-trains one arm from the base run's teacher, in a run directory of its own keyed by its settings.
func (b *Book) sweepArm(base *pipeline.Run, key, value string) (SweepArm, error) {
	p := b.P
	if err := p.Set(key + "=" + value); err != nil {
		return SweepArm{}, err
	}
	dir := filepath.Join(filepath.Dir(b.RunDir), "sweep-"+settingsKey(p, b.Seed))
	r, err := pipeline.New(p, pipeline.Options{Out: dir, Figures: filepath.Join(dir, "figures"), Seed: b.Seed,
		Backend: b.Backend, Log: io.Discard, Watch: b.watch})
	if err != nil {
		return SweepArm{}, err
	}
	defer r.Log.Close()
	r.Teacher = base.Teacher
	arm := SweepArm{Value: value}
	if st, err := train.ReadCheckpointStep(filepath.Join(dir, "ckpt", "midtrain.ckpt")); err == nil && st >= p.MidSteps {
		arm.Resumed = true
	}
	t0 := time.Now()
	if err := r.TeacherTrajectories(); err != nil {
		return SweepArm{}, err
	}
	if err := r.Midtrain(b.Ctx); err != nil {
		return SweepArm{}, err
	}
	arm.NFE, arm.Seconds = r.Traj.NFE, time.Since(t0).Seconds()
	arm.Pairs = r.Traj.N() * (len(r.Traj.Times) - 1)
	if p.MidPairs == "endpoint" {
		arm.Pairs = r.Traj.N()
	}
	_, _, arm.One, arm.Two, err = r.Eval.FewStep(r.Mid.EMAFunc(), p.SigmaMax, p.StudentTMid())
	return arm, err
}
