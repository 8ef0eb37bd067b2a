package notebook

import (
	"fmt"
	gohtml "html"
	"strconv"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
	"github.com/janpfeifer/gonb/gonbui/dom"
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

// armsDone is the arm index a click on "done" sends (arms are numbered from 0, far below it).
const armsDone = 999

// armsControls is the HTML and JavaScript of TryArms' controls: a select of the arm labels and the buttons "train
// this arm" and "done", bound to one GoNB address. Each click sends one number, clicks·1000 + the arm picked at that
// instant (armsDone for "done"): the arm travels with its click, so no separate select update can arrive late, and
// the count makes every message new (GoNB drops a value equal to the last one). Loading the controls sends 0.
func armsControls(id, address string, labels []string) (html, js string) {
	var opts strings.Builder
	for i, l := range labels {
		fmt.Fprintf(&opts, `<option value="%d">%s</option>`, i, gohtml.EscapeString(l))
	}
	html = fmt.Sprintf(`<select id="%[1]s_select">%[2]s</select> <button id="%[1]s_train" type="button">train this arm</button> `+
		`<button id="%[1]s_done" type="button">done</button>`, id, opts.String())
	js = fmt.Sprintf(`(() => {
  const comm = globalThis?.gonb_comm;
  if (!comm) { console.error("GoNB communication is not set up: the arms' controls are off"); return; }
  const v = comm.newSyncedVariable(%[2]q, 0), sel = document.getElementById(%[1]q + "_select");
  let clicks = 0;
  document.getElementById(%[1]q + "_train").addEventListener("click", () => { clicks++; v.set(clicks * 1000 + sel.selectedIndex); });
  document.getElementById(%[1]q + "_done").addEventListener("click", () => { clicks++; v.set(clicks * 1000 + %[3]d); });
})();`, id, address, armsDone)
	return html, js
}

// TryArms lets the reader pick one arm of the ablations (a select) and train it with a button: the student is
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
	// Listen before the controls exist, for as long as the cell runs: a click is never sent to an address nobody
	// listens on (GoNB v0.11.5 drops such a message and, in doing so, leaves its dispatch locked for good).
	id := "cmt_arms_" + gonbui.UniqueId()
	clicks := comms.Listen[int]("/cmt/arms/" + id).WithBuffer(16)
	defer clicks.Close()
	html, js := armsControls(id, "/cmt/arms/"+id, labels)
	dom.Append(dom.CreateTransientDiv(), html)
	dom.TransientJavascript(js)
	select {
	case <-clicks.C: // the controls' first message: a browser runs them
	case <-time.After(widgetConnect):
		var items string
		for _, l := range labels {
			items += "<li>" + gohtml.EscapeString(l) + "</li>"
		}
		b.Out.html(`<div style="color:#555;font-size:90%">No browser is connected to this cell (a headless run, or the saved notebook), so its controls are off. ` +
			`Open the notebook in Jupyter and run the cell to pick one of these arms and train it with a button:<ul>` + items + `</ul></div>`)
		return
	}
	tableID := "try-arms-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	var rows [][]string
	b.Out.update(tableID, `<div style="color:#555;font-size:90%">pick an arm, then "train this arm"</div>`)
	for {
		select {
		case v := <-clicks.C:
			k := v % 1000
			if k == armsDone {
				return
			}
			if v == 0 || k >= len(arms) { // the controls loaded again (a re-rendered page)
				continue
			}
			a := arms[k]
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
		case <-b.Ctx.Done():
			return
		case <-time.After(widgetIdle):
			b.Note("no click for 15 minutes: the controls are off; run the cell again to use them")
			return
		}
	}
}
