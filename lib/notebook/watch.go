package notebook

import (
	"fmt"
	"html"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
	"github.com/gocmt/cmt/lib/progress"
)

// redrawEvery is the least time between two redraws of a stage's block while it trains.
const redrawEvery = 400 * time.Millisecond

// watcher implements train.Watcher: one output block per training stage holding its progress bar and a live
// loss plot (an inline SVG) that update in place; when the stage ends, the plot becomes the stage's loss-curve
// figure (a PNG also written to the figure directory).
type watcher struct {
	b      *Book
	blocks map[string]*block
	// Set by sweeps: every stage then draws into the block named key, headed by caption.
	key, caption string
	// now is the clock (tests replace it).
	now func() time.Time
}

type block struct {
	id    string
	label string
	steps []int
	loss  []float64
	drawn time.Time
	// evaluations during post-training (Evaluated): step and 1-step score
	evalSteps []int
	evals     []float64
	shown     bool   // the block exists in the notebook (drawn by this stage or an earlier arm sharing it)
	figure    string // the final loss-curve PNG, once written
}

var _ pipeline.EvalWatcher = (*watcher)(nil)

func newWatcher(b *Book) *watcher {
	return &watcher{b: b, blocks: map[string]*block{}, now: time.Now}
}

func (w *watcher) block(stage string) *block {
	k := stage
	if w.key != "" {
		k = w.key
	}
	bl := w.blocks[k]
	if bl == nil {
		bl = &block{id: fmt.Sprintf("cmt-%s-%s-%d", w.b.Name, k, time.Now().UnixNano())}
		w.blocks[k] = bl
	}
	if bl.label == "" {
		bl.label = w.caption + stageLabel(stage)
		if stage == "pretrain" && w.b.P.PreObjective == "fm" {
			bl.label = w.caption + "pre-training (flow-matching teacher)"
		}
	}
	return bl
}

// arm makes the next stages draw into the block key under caption, from a fresh plot (a sweep's arms share one
// block); key "" goes back to one block per stage.
func (w *watcher) arm(key, caption string) {
	w.key, w.caption = key, caption
	if old := w.blocks[key]; key != "" && old != nil {
		w.blocks[key] = &block{id: old.id, shown: old.shown}
	}
}

// replace shows h in place of the block key (e.g. a sweep's live block once the sweep is done), or as a new
// block if that one was never drawn.
func (w *watcher) replace(key, h string) {
	if bl := w.blocks[key]; bl != nil && bl.shown {
		w.b.Out.update(bl.id, h)
		return
	}
	w.b.Out.html(h)
}

// Loss records one step's loss.
func (w *watcher) Loss(stage string, step int, loss float64) {
	bl := w.block(stage)
	bl.steps, bl.loss = append(bl.steps, step), append(bl.loss, loss)
}

// Evaluated records a post-training evaluation's 1-step score (pipeline.EvalWatcher): the stage's block then also
// draws the evaluation curve live, next to the loss.
func (w *watcher) Evaluated(stage string, step int, one float64) {
	bl := w.block(stage)
	bl.evalSteps, bl.evals = append(bl.evalSteps, max(step, 1)), append(bl.evals, one)
}

// Progress redraws the stage's block, at most every redrawEvery and always at the end.
func (w *watcher) Progress(stage string, s progress.Status) {
	bl := w.block(stage)
	if !s.Finished && w.now().Sub(bl.drawn) < redrawEvery {
		return
	}
	bl.drawn, bl.shown = w.now(), true
	plot := lossSVG(bl.steps, bl.loss, s.Total, 400, 160)
	if s.Finished && len(bl.loss) > 1 && w.key == "" {
		// The stage's loss curve as a figure: the PNG file, shown in place of the live plot.
		path := filepath.Join(w.b.FigDir, stage+"_loss.png")
		xs, ys := make([]float64, len(bl.steps)), bl.loss
		for i, st := range bl.steps {
			xs[i] = float64(st)
		}
		if err := plots.LossCurve(path, bl.label+": training loss", xs, ys); err == nil {
			if img, err := imgTag(path, "width:400px"); err == nil {
				plot, bl.figure = img, path
			}
		}
	}
	if len(bl.evals) > 0 {
		what := "1-step energy (log)"
		if w.b.P.Images() {
			what = "1-step FID (log)"
		}
		plot += chartSVG(bl.evalSteps, bl.evals, s.Total, 300, 160, what)
	}
	w.b.Out.update(bl.id, `<div style="display:flex;gap:20px;align-items:center;margin:4px 0">`+
		`<div style="width:400px"><div style="font-weight:bold">`+html.EscapeString(bl.label)+`</div>`+barHTML(s)+`</div>`+plot+`</div>`)
}

// barHTML is a progress bar filling its column, with the status line (count, rate, time, loss) below it.
func barHTML(s progress.Status) string {
	s.Label = ""
	line := s.String()
	if i := strings.IndexByte(line, ']'); s.Total > 0 && i >= 0 {
		line = strings.TrimSpace(line[i+1:]) // the <progress> element replaces the text bar
	}
	bar := `<progress style="width:100%">`
	if s.Total > 0 {
		bar = fmt.Sprintf(`<progress value="%d" max="%d" style="width:100%%">`, min(max(s.Done, 0), s.Total), s.Total)
	}
	return bar + `</progress><div style="font-family:monospace;font-size:90%">` + html.EscapeString(line) + `</div>`
}

// shortLabel is a short name for a pipeline stage, for lists.
func shortLabel(stage string) string {
	switch {
	case stage == "pretrain":
		return "pre-training"
	case strings.HasPrefix(stage, "post_"):
		method, init, _ := strings.Cut(strings.TrimPrefix(stage, "post_"), "_")
		return pipeline.MethodTitle(method) + " from " + init
	}
	return stageLabel(stage)
}

// stageLabel is a reader's name for a pipeline stage.
func stageLabel(stage string) string {
	switch {
	case stage == "pretrain":
		return "pre-training (EDM teacher)"
	case stage == "midtrain":
		return "CMT mid-training"
	case stage == "midtrain_mf":
		return "CMT-MF mid-training"
	case strings.HasPrefix(stage, "post_"):
		method, init, _ := strings.Cut(strings.TrimPrefix(stage, "post_"), "_")
		return pipeline.MethodTitle(method) + " post-training from the " + init + " init"
	}
	return stage
}

// lossSVG draws losses (one per step, at steps) as a w×h px inline SVG line chart: x from 0 to total steps (the
// line grows as training goes), y logarithmic, at most maxBins points (the mean of log loss over each bin), with
// labelled axes. Non-positive and non-finite losses are skipped.
func lossSVG(steps []int, loss []float64, total, w, h int) string {
	return chartSVG(steps, loss, total, w, h, "loss (log scale)")
}

// chartSVG is lossSVG for any positive values (ylabel names them); up to 40 points also get a dot each.
func chartSVG(steps []int, loss []float64, total, w, h int, ylabel string) string {
	const maxBins = 150
	const left, right, top, bottom = 58, 12, 8, 34
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`, w, h)
	fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="white" stroke="#999"/>`, left, top, pw, ph)
	// Bin the finite positive losses by step.
	if total <= 0 {
		for _, s := range steps {
			total = max(total, s)
		}
	}
	total = max(total, 1)
	nb := min(maxBins, total)
	sum, cnt := make([]float64, nb), make([]int, nb)
	for i, l := range loss {
		if !(l > 0) || math.IsInf(l, 0) || i >= len(steps) {
			continue
		}
		k := min(nb-1, max(0, (steps[i]-1)*nb/total))
		sum[k] += math.Log10(l)
		cnt[k]++
	}
	var xs, ys []float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for k := range nb {
		if cnt[k] == 0 {
			continue
		}
		y := sum[k] / float64(cnt[k])
		xs, ys = append(xs, (float64(k)+0.5)*float64(total)/float64(nb)), append(ys, y)
		lo, hi = math.Min(lo, y), math.Max(hi, y)
	}
	fmt.Fprintf(&sb, `<text x="%.0f" y="%d" text-anchor="middle">step</text>`, float64(left)+pw/2, h-3)
	fmt.Fprintf(&sb, `<text transform="translate(12,%.0f) rotate(-90)" text-anchor="middle">%s</text>`, float64(top)+ph/2, html.EscapeString(ylabel))
	for _, st := range []int{0, total / 2, total} {
		x := float64(left) + pw*float64(st)/float64(total)
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.0f" text-anchor="middle">%d</text>`, x, float64(top)+ph+14, st)
	}
	if len(ys) == 0 {
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.0f" text-anchor="middle" fill="#777">waiting for the first steps…</text></svg>`, float64(left)+pw/2, float64(top)+ph/2)
		return sb.String()
	}
	if hi-lo < 0.2 { // at least a fifth of a decade, centred
		c := (hi + lo) / 2
		lo, hi = c-0.1, c+0.1
	}
	pad := 0.05 * (hi - lo)
	lo, hi = lo-pad, hi+pad
	yOf := func(v float64) float64 { return float64(top) + ph*(hi-v)/(hi-lo) }
	for _, t := range logTickValues(lo, hi) {
		y := yOf(math.Log10(t))
		fmt.Fprintf(&sb, `<line x1="%d" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#e4e4e4"/>`, left, float64(left)+pw, y, y)
		fmt.Fprintf(&sb, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, left-4, y, shortNumber(t))
	}
	sb.WriteString(`<polyline fill="none" stroke="#1f77b4" stroke-width="1.6" points="`)
	for i := range xs {
		fmt.Fprintf(&sb, "%.1f,%.1f ", float64(left)+pw*xs[i]/float64(total), yOf(ys[i]))
	}
	sb.WriteString(`"/>`)
	if len(xs) <= 40 {
		for i := range xs {
			fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#1f77b4"/>`, float64(left)+pw*xs[i]/float64(total), yOf(ys[i]))
		}
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}

// logTickValues picks 2 to 6 tick values inside [10^lo, 10^hi]: the powers of ten when at least two fit, else the
// 1-2-5 multiples, else both ends.
func logTickValues(lo, hi float64) []float64 {
	for _, mult := range [][]float64{{1}, {1, 2, 5}, {1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9}} {
		var out []float64
		for d := math.Floor(lo); d <= math.Ceil(hi); d++ {
			for _, m := range mult {
				v := m * math.Pow(10, d)
				if l := math.Log10(v); l >= lo && l <= hi {
					out = append(out, v)
				}
			}
		}
		if len(out) >= 2 {
			for len(out) > 6 {
				thin := out[:0:0]
				for i := 0; i < len(out); i += 2 {
					thin = append(thin, out[i])
				}
				out = thin
			}
			return out
		}
	}
	return []float64{math.Pow(10, lo), math.Pow(10, hi)}
}

// shortNumber is a compact tick label: 0.001, 0.25, 3, 2e-5.
func shortNumber(v float64) string {
	if v < 1e-3 || v >= 1e5 {
		return strings.Replace(fmt.Sprintf("%.0e", v), "e-0", "e-", 1)
	}
	return fmt.Sprintf("%.3g", v)
}
