package notebook

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
)

// browseFrame is one picture of the browser: an evaluation of one init's post-training, as a PNG (images) or as
// points the page's script draws on a canvas (2D data: a few kB per frame instead of a ~85 kB PNG).
type browseFrame struct {
	Step    int       `json:"step"`
	Caption string    `json:"caption"`
	Metric  float64   `json:"m"`             // the evaluation's 1-step score
	Src     string    `json:"src,omitempty"` // data: URI of the PNG (images)
	Points  []float32 `json:"pts,omitempty"` // flat (x, y) pairs (2D data)
}

// BrowsePost shows post-training as it went: a select picks the initialisation, a slider the evaluation, and the
// picture shows that evaluation's 1-step samples (the evaluator's fixed noise, so the same draws in every picture)
// with its score. Everything is precomputed from the run's frames (pipeline.ReadFrames), so moving the controls
// needs no kernel: they work in the live notebook and in a saved one opened in a browser. A reader of the static
// notebook (GitHub, a headless run) sees the last evaluation of the first initialisation.
func (b *Book) BrowsePost(r *pipeline.Run) {
	inits, err := r.P.InitList()
	b.Must(err)
	method := "ect"
	if r.P.FlowMap() {
		method = r.P.PostMethod
	} else if r.P.ECD != "" {
		method = "ecd-" + r.P.ECD
	}
	lim := 0.0
	if !r.P.Images() {
		lim = browseLim(r.Eval.Ref)
	}
	tmp, err := os.MkdirTemp("", "cmt-browse-")
	b.Must(err)
	defer os.RemoveAll(tmp)
	all := map[string][]browseFrame{}
	var names []string
	var static string // the PNG of the first init's last frame, shown until a control moves
	for _, init := range inits {
		frames, err := pipeline.ReadFrames(r.O.Out, "post_"+method+"_"+init)
		b.Must(err)
		if len(frames) == 0 {
			continue
		}
		for i, f := range frames {
			fr := browseFrame{Step: f.Step, Metric: f.Metric,
				Caption: fmt.Sprintf("%s init, step %d: 1-step %s %s", init, f.Step, metricName(r), e(f.Metric))}
			if r.P.Images() || (len(names) == 0 && i == len(frames)-1) {
				path := filepath.Join(tmp, fmt.Sprintf("%s_%d.png", init, i))
				b.Must(drawFrame(r, path, fr.Caption, f, lim))
				data, err := os.ReadFile(path)
				b.Must(err)
				static = "data:image/png;base64," + base64.StdEncoding.EncodeToString(data)
				if r.P.Images() {
					fr.Src = static
				}
			}
			if !r.P.Images() {
				fr.Points = f.Samples
			}
			all[init] = append(all[init], fr)
		}
		names = append(names, init)
	}
	if len(names) == 0 {
		b.Note("no post-training frames in this run yet (they are written at every evaluation): run post-training first")
		return
	}
	b.Out.html(browseHTML(fmt.Sprintf("browse-%s-%d", r.P.Name, browseCount()), names, all, static, lim))
}

// browseSeq numbers the browsers of one cell program, so their element ids differ.
var browseSeq int

func browseCount() int { browseSeq++; return browseSeq }

// metricName is the 1-step score's name in captions.
func metricName(r *pipeline.Run) string {
	if r.P.Images() {
		return "FID"
	}
	return "energy"
}

// browseLim is a common axis half-width for every frame: 1.15 × the largest |coordinate| of the reference data.
func browseLim(ref []float64) float64 {
	m := 0.0
	for _, v := range ref {
		m = max(m, v, -v)
	}
	return 1.15 * m
}

// drawFrame writes one frame's picture: a scatter of its points (2D) or a row of its images.
func drawFrame(r *pipeline.Run, path, caption string, f pipeline.Frame, lim float64) error {
	xs := make([]float64, len(f.Samples))
	for i, v := range f.Samples {
		xs[i] = float64(v)
	}
	if !r.P.Images() {
		return plots.Scatter(path, []plots.Panel{{Title: caption, Points: xs}}, 1, lim)
	}
	c, h, w := pipeline.ImageShape(r.P.Data)
	return plots.ImageGrid(path, "", []plots.ImageRow{{Title: caption, Images: xs}}, c, h, w, len(xs)/f.Dim)
}

// browseHTML is the browser: a select (initialisations), a slider (evaluations), a caption, the picture and the
// init's score curve with the chosen evaluation ringed (drawn by the script; a static view shows no curve),
// showing static (the first initialisation's last frame) until a control moves; a small script then shows the
// chosen frame: its PNG (images) or its points drawn on a canvas with axes [−lim, lim]² (2D). The element ids are
// id-init, id-step, id-caption, id-img, id-canvas and id-curve (the browser test drives them).
func browseHTML(id string, names []string, all map[string][]browseFrame, static string, lim float64) string {
	first := all[names[0]]
	last := first[len(first)-1]
	var opts strings.Builder
	for _, n := range names {
		fmt.Fprintf(&opts, `<option value="%s">%s</option>`, html.EscapeString(n), html.EscapeString(n))
	}
	data, _ := json.Marshal(all)
	return fmt.Sprintf(`<div id="%[1]s" style="font-family:sans-serif;font-size:90%%">
<label>initialisation <select id="%[1]s-init">%[2]s</select></label>
&nbsp; <label>evaluation <input type="range" id="%[1]s-step" min="0" max="%[3]d" value="%[3]d" style="vertical-align:middle;width:220px"/></label>
&nbsp; <span id="%[1]s-caption">%[4]s</span><br/>
<img id="%[1]s-img" style="width:384px" src="%[5]s"/>
<canvas id="%[1]s-canvas" width="384" height="384" style="display:none;width:384px;height:384px"></canvas>
<canvas id="%[1]s-curve" width="300" height="200" style="width:300px;height:200px;vertical-align:top"></canvas>
</div>
<script>
(function () {
  var frames = %[6]s, lim = %[7]g;
  var sel = document.getElementById("%[1]s-init"), sl = document.getElementById("%[1]s-step");
  var cap = document.getElementById("%[1]s-caption"), img = document.getElementById("%[1]s-img");
  var cv = document.getElementById("%[1]s-canvas");
  function draw(pts) {
    var c = cv.getContext("2d"), n = cv.width, px = function (v) { return (v + lim) / (2 * lim) * (n - 20) + 10; };
    c.fillStyle = "#fff"; c.fillRect(0, 0, n, n);
    c.strokeStyle = "#999"; c.strokeRect(10, 10, n - 20, n - 20);
    c.fillStyle = "rgba(31,119,180,0.55)";
    for (var i = 0; i + 1 < pts.length; i += 2) {
      if (Math.abs(pts[i]) > lim || Math.abs(pts[i + 1]) > lim) { continue; }
      c.beginPath(); c.arc(px(pts[i]), n - px(pts[i + 1]), 1.6, 0, 2 * Math.PI); c.fill();
    }
  }
  var cu = document.getElementById("%[1]s-curve");
  // curve draws the chosen init's 1-step score against the step (log scale), the chosen evaluation ringed.
  function curve(f, k) {
    var c = cu.getContext("2d"), w = cu.width, h = cu.height, L = 8, B = 22, T = 16;
    var ys = f.map(function (x) { return Math.log10(Math.max(x.m, 1e-12)); });
    var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys), s0 = f[0].step, s1 = f[f.length - 1].step;
    if (hi - lo < 0.1) { lo -= 0.05; hi += 0.05; }
    var X = function (s) { return L + (w - 2 * L) * (s1 > s0 ? (s - s0) / (s1 - s0) : 0.5); };
    var Y = function (v) { return T + (h - T - B) * (hi - v) / (hi - lo); };
    c.fillStyle = "#fff"; c.fillRect(0, 0, w, h); c.strokeStyle = "#999"; c.strokeRect(L, T, w - 2 * L, h - T - B);
    c.fillStyle = "#333"; c.font = "11px sans-serif";
    c.fillText("1-step score (log) vs step: " + Math.pow(10, lo).toExponential(1) + " … " + Math.pow(10, hi).toExponential(1), L, 11);
    c.fillText(String(s0), L, h - 6); c.fillText(String(s1), w - L - 30, h - 6);
    c.strokeStyle = "#1f77b4"; c.beginPath();
    f.forEach(function (x, i) { var px = X(x.step), py = Y(ys[i]); if (i) { c.lineTo(px, py); } else { c.moveTo(px, py); } });
    c.stroke();
    c.beginPath(); c.arc(X(f[k].step), Y(ys[k]), 5, 0, 2 * Math.PI); c.strokeStyle = "#d62728"; c.lineWidth = 2; c.stroke(); c.lineWidth = 1;
  }
  function show(fromSelect) {
    var f = frames[sel.value];
    sl.max = f.length - 1;
    if (fromSelect) { sl.value = f.length - 1; }
    var k = Math.min(+sl.value, f.length - 1), fr = f[k];
    cap.textContent = fr.caption;
    curve(f, k);
    if (fr.src) { img.src = fr.src; return; }
    img.style.display = "none"; cv.style.display = "inline"; draw(fr.pts);
  }
  curve(frames[sel.value], +sl.value);
  sel.addEventListener("change", function () { show(true); });
  sl.addEventListener("input", function () { show(false); });
  sl.addEventListener("change", function () { show(false); });
})();
</script>`, id, opts.String(), len(first)-1, html.EscapeString(last.Caption), static, data, lim)
}
