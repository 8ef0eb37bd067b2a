package notebook

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// BrowsePost on a tiny toy2d run (two inits, evaluations at steps 0, 10, 20) shows one block: a select with both
// inits, a slider over 3 evaluations starting at the last, the static picture and caption of the first init's last
// evaluation, and the script's data with 3 frames per init (their captions name each step).
func TestBrowsePost(t *testing.T) {
	t.Setenv(OutEnv, t.TempDir())
	rec := newRecorder()
	b := Open(Config{Name: "browse", Quick: "pre.steps=30,mid.steps=10,mid.trajectories=256,post.steps=20,eval.every=10,post.inits=cmt,scratch", Out: rec.output()})
	r := b.Run("pretrain", "trajectories", "midtrain", "post")
	if live := rec.all(); !strings.Contains(live, "1-step energy (log)") || strings.Count(live, "<circle") < 6 {
		t.Errorf("the post-training blocks do not draw the live evaluation curve (3 dots per init)")
	}
	rec.blocks = nil
	b.BrowsePost(r)
	if len(rec.blocks) != 1 {
		t.Fatalf("%d blocks, want 1", len(rec.blocks))
	}
	h := rec.blocks[0]
	t.Logf("browser block: %d kB for 6 frames", len(h)/1000)
	for _, want := range []string{`<option value="cmt">`, `<option value="scratch">`, `min="0" max="2" value="2"`,
		`-caption">cmt init, step 20: 1-step energy`, `<img id="browse-`, `src="data:image/png;base64,`, `-curve"`, `"m":`} {
		if !strings.Contains(h, want) {
			t.Errorf("browser HTML lacks %q", want)
		}
	}
	rec.blocks = nil
	b.ZoomCurves(r)
	if len(rec.blocks) != 1 || strings.Count(rec.blocks[0], "P.newPlot(") != 2 || !strings.Contains(rec.blocks[0], `"name":"scratch init"`) ||
		!strings.Contains(rec.blocks[0], `"type":"log"`) {
		t.Errorf("ZoomCurves: %d blocks, want one with two log-scale Plotly charts with a trace per init", len(rec.blocks))
	}
	for _, init := range []string{"cmt", "scratch"} {
		for _, step := range []string{"0", "10", "20"} {
			if !regexp.MustCompile(init + ` init, step ` + step + `: 1-step energy`).MatchString(h) {
				t.Errorf("no frame for %s at step %s", init, step)
			}
		}
	}
}

// Without a browser connected (this test, a headless notebook run), TryArms gives up on its controls after
// widgetConnect and lists the arms instead of blocking.
func TestTryArmsHeadless(t *testing.T) {
	t.Setenv(OutEnv, t.TempDir())
	defer func(d time.Duration) { widgetConnect = d }(widgetConnect)
	widgetConnect = 200 * time.Millisecond
	rec := newRecorder()
	b := Open(Config{Name: "try", Quick: "pre.steps=20,mid.trajectories=64", Out: rec.output()})
	done := make(chan struct{})
	go func() { b.TryArms(AblationArms[:3]); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("TryArms blocked without a browser")
	}
	out := rec.all()
	if !strings.Contains(out, "No browser is connected") || !strings.Contains(out, "mid.distance = pseudo-Huber") {
		t.Errorf("headless TryArms showed %q, want the note and the arms", out)
	}
}

// The arms' controls: one option per label in order, labels HTML-escaped, both buttons, and one script that sends
// clicks·1000 + the picked index (armsDone for "done") to the one address — the message TryArms decodes.
func TestArmsControls(t *testing.T) {
	html, js := armsControls("cmt_arms_x", "/cmt/arms/cmt_arms_x", []string{"a < b", "c"})
	for _, want := range []string{`<select id="cmt_arms_x_select">`, `<option value="0">a &lt; b</option><option value="1">c</option>`,
		`<button id="cmt_arms_x_train"`, `<button id="cmt_arms_x_done"`} {
		if !strings.Contains(html, want) {
			t.Errorf("controls HTML lacks %q:\n%s", want, html)
		}
	}
	for _, want := range []string{`newSyncedVariable("/cmt/arms/cmt_arms_x", 0)`, "clicks * 1000 + sel.selectedIndex",
		"clicks * 1000 + 999", `"cmt_arms_x" + "_train"`, `"cmt_arms_x" + "_done"`} {
		if !strings.Contains(js, want) {
			t.Errorf("controls script lacks %q:\n%s", want, js)
		}
	}
	if armsDone != 999 || len(AblationArms) >= armsDone {
		t.Errorf("armsDone %d must exceed every arm index (%d arms)", armsDone, len(AblationArms))
	}
}
