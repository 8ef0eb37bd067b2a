package notebook

import (
	"encoding/json"
	"fmt"
	"html"
	"math"

	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/plots"
)

// PlotlySrc is where the interactive charts load Plotly from (its CDN; change it to a local copy for offline use).
var PlotlySrc = "https://cdn.plot.ly/plotly-2.34.0.min"

// ZoomCurves shows the run's post-training curves — 1-step and 2-step score (energy distance, or FID on images)
// against the step, one line per initialisation, log scale — as two interactive Plotly charts: zoom, pan and
// read values by hovering. Plotly loads from PlotlySrc; where it cannot (offline, or a static view of the saved
// notebook), the chart says so and the PNG figures of PostFigures show the same curves.
func (b *Book) ZoomCurves(r *pipeline.Run) {
	one, two := pipeline.PostCurves(r.Summary.Posttrain)
	if len(one) == 0 {
		b.Note("no post-training curves in this run yet: run post-training first")
		return
	}
	what := "energy distance"
	if r.P.Images() {
		what = "FID"
	}
	n := browseCount()
	b.Out.html(`<div style="display:flex;flex-wrap:wrap">` +
		plotlyChart(fmt.Sprintf("zoom-%s-%d-1", r.P.Name, n), "1-step "+what+" during post-training", "post-training step", what, one, true) +
		plotlyChart(fmt.Sprintf("zoom-%s-%d-2", r.P.Name, n), "2-step "+what+" during post-training", "post-training step", what, two, true) +
		`</div>`)
}

// plotlyChart is a div plus the script that draws series into it with Plotly (lines with markers; log y axis when
// logY). Non-finite points are left out.
func plotlyChart(id, title, xlabel, ylabel string, series []plots.Series, logY bool) string {
	type trace struct {
		Name string    `json:"name"`
		X    []float64 `json:"x"`
		Y    []float64 `json:"y"`
		Mode string    `json:"mode"`
		Type string    `json:"type"`
	}
	var data []trace
	for _, s := range series {
		t := trace{Name: s.Name, Mode: "lines+markers", Type: "scatter"}
		for i := range s.X {
			if !math.IsNaN(s.Y[i]) && !math.IsInf(s.Y[i], 0) && (!logY || s.Y[i] > 0) {
				t.X, t.Y = append(t.X, s.X[i]), append(t.Y, s.Y[i])
			}
		}
		data = append(data, t)
	}
	yaxis := map[string]any{"title": map[string]string{"text": ylabel}}
	if logY {
		yaxis["type"] = "log"
	}
	layout := map[string]any{"title": map[string]string{"text": title}, "width": 520, "height": 380,
		"margin": map[string]int{"l": 60, "r": 10, "t": 40, "b": 45},
		"xaxis":  map[string]any{"title": map[string]string{"text": xlabel}}, "yaxis": yaxis}
	spec, _ := json.Marshal(map[string]any{"data": data, "layout": layout})
	return fmt.Sprintf(`<div id="%[1]s" style="width:520px;height:380px;color:#777;font-size:85%%">interactive chart (%[2]s): it draws when the notebook runs in Jupyter with access to Plotly; the PNG figures show the same curves</div>
<script>
(function () {
  var spec = %[3]s, el = document.getElementById("%[1]s");
  function draw(P) { el.textContent = ""; P.newPlot(el, spec.data, spec.layout, {responsive: true}); }
  function fail() { el.textContent = "Plotly could not be loaded from %[4]s (offline?): the PNG figures show the same curves"; }
  if (window.Plotly) { draw(window.Plotly); return; }
  if (typeof require === "function" && require.config) {
    require.config({paths: {plotly: "%[4]s"}});
    require(["plotly"], draw, fail);
    return;
  }
  var s = document.createElement("script");
  s.src = "%[4]s.js"; s.onload = function () { draw(window.Plotly); }; s.onerror = fail;
  document.head.appendChild(s);
})();
</script>`, id, html.EscapeString(title), spec, PlotlySrc)
}
