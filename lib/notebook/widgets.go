package notebook

import (
	"fmt"
	"html"
	"strconv"
	"time"

	"github.com/janpfeifer/gonb/gonbui/dom"
	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// Arm is one choice a reader can try from a notebook's controls: a -set key and its value.
type Arm struct{ Key, Value string }

// Label is the arm as the select shows it.
func (a Arm) Label() string {
	if l, ok := armLabels[a.Key][a.Value]; ok {
		return a.Key + " = " + l
	}
	return a.Key + " = " + a.Value
}

// AblationArms are the arms of notebook 06's five ablations of mid-training.
var AblationArms = []Arm{
	{"mid.distance", "l2sq"}, {"mid.distance", "l2"}, {"mid.distance", "huber"},
	{"mid.solver_steps", "4"}, {"mid.solver_steps", "8"}, {"mid.solver_steps", "16"}, {"mid.solver_steps", "32"},
	{"mid.solver", "euler"}, {"mid.solver", "heun"}, {"mid.solver", "dpm2"}, {"mid.solver", "dpm3"},
	{"mid.pairs", "all"}, {"mid.pairs", "endpoint"},
	{"mid.steps", "150"}, {"mid.steps", "600"}, {"mid.steps", "1500"},
}

// Widget timing: how long TryArms waits for a browser to answer before it decides there is none, and how long it
// keeps listening without a click.
var (
	widgetConnect = 10 * time.Second
	widgetIdle    = 15 * time.Minute
)

// tryWidgets are the live controls of TryArms.
type tryWidgets struct {
	sel       *widgets.SelectBuilder
	run, done *widgets.ButtonBuilder
}

// TryArms lets the reader pick one arm of the ablations (a GoNB select) and train it with a button: the student is
// mid-trained from the notebook's teacher with that one setting changed (as Sweep does, live progress included), and
// its scores join a table under the controls. The cell keeps listening until "done" is clicked or nothing is
// clicked for 15 minutes; interrupting the kernel also ends it. The controls need a browser connected to the
// kernel: without one (a headless run, or the saved notebook) the cell waits widgetConnect for it, then lists the
// arms and returns — it never blocks a headless run.
func (b *Book) TryArms(arms []Arm) {
	base := b.Run("pretrain", "trajectories")
	labels := make([]string, len(arms))
	for i, a := range arms {
		labels[i] = a.Label()
	}
	div := dom.CreateTransientDiv()
	ready := make(chan tryWidgets, 1)
	go func() { // each Done waits for the browser's first message: forever when there is no browser
		sel := widgets.Select(labels).AppendTo(div).Done()
		run := widgets.Button("train this arm").AppendTo(div).Done()
		done := widgets.Button("done").AppendTo(div).Done()
		ready <- tryWidgets{sel, run, done}
	}()
	var w tryWidgets
	select {
	case w = <-ready:
	case <-time.After(widgetConnect):
		var items string
		for _, l := range labels {
			items += "<li>" + html.EscapeString(l) + "</li>"
		}
		b.Out.html(`<div style="color:#555;font-size:90%">No browser is connected to this cell (a headless run, or the saved notebook), so its controls are off. ` +
			`Open the notebook in Jupyter and run the cell to pick one of these arms and train it with a button:<ul>` + items + `</ul></div>`)
		return
	}
	runs, done := w.run.Listen().WithBuffer(4), w.done.Listen().WithBuffer(1)
	defer runs.Close()
	defer done.Close()
	tableID := "try-arms-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var rows [][]string
	b.Out.update(tableID, `<div style="color:#555;font-size:90%">pick an arm, then "train this arm"</div>`)
	for {
		select {
		case <-runs.C:
			a := arms[w.sel.Value()]
			b.watch.arm("try-"+tableID, fmt.Sprintf("training %s — ", a.Label()))
			arm, err := b.sweepArm(base, a.Key, a.Value)
			b.watch.arm("", "")
			if err != nil {
				b.Note(fmt.Sprintf("%s: %v", a.Label(), err))
				continue
			}
			secs := fmt.Sprintf("%.1f", arm.Seconds)
			if arm.Resumed {
				secs = "resumed"
			}
			rows = append(rows, []string{a.Label(), strconv.Itoa(arm.Pairs), secs, e(arm.One.Energy), e(arm.Two.Energy), arm.One.Modes()})
			b.Out.update(tableID, tableHTML("arms trained here (scored right after mid-training)",
				[]string{"arm", "pairs", "time (s)", "energy² 1 step", "energy² 2 steps", "modes 1 step: precision / recall"}, rows))
		case <-done.C:
			return
		case <-b.Ctx.Done():
			return
		case <-time.After(widgetIdle):
			b.Note("no click for 15 minutes: the controls are off; run the cell again to use them")
			return
		}
	}
}
