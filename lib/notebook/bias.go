package notebook

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gocmt/cmt/lib/bias"
)

// biasFigures are the PNGs bias.Study writes, in the order BiasFigures shows them.
var biasFigures = []string{"bias_vs_dt.png", "bias_terms_vs_dt.png", "bias_vs_eps.png", "bias_eps_profile.png"}

// biasDir is where Bias keeps the analysis' checkpoints, summary.json and command line.
func (b *Book) biasDir() string { return filepath.Join(b.RunDir, "bias") }

// Bias runs the gradient-bias analysis of make bias (bias.Study, in this cell's process) with the command's
// flags, e.g. Bias("-quick"), its run directory under the notebook's and its figures in the notebook's figure
// directory; it shows its progress in place (the timestamped phases and the current training bar), then its text
// report. When an
// earlier cell ran it with the same flags, it only redraws the figures and the report from that run's
// summary.json (-replot). On error the cell stops (see package doc).
func (b *Book) Bias(flags ...string) {
	out := b.biasDir()
	b.Must(os.MkdirAll(out, 0o755))
	stamp := filepath.Join(out, "flags.txt")
	args := append([]string{"-out", out, "-figures", b.FigDir}, flags...)
	want := strings.Join(flags, " ")
	if got, err := os.ReadFile(stamp); err == nil && string(got) == want {
		if _, err := os.Stat(filepath.Join(out, "summary.json")); err == nil {
			b.Note("✓ analysed in an earlier cell (or run) with these flags: figures and report redrawn from its summary.json")
			args = append(args, "-replot")
		}
	}
	// bias.Study runs in this cell's process; its progress lines (stderr in the command) come through a pipe.
	var report bytes.Buffer
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := bias.Study(b.Ctx, args, &report, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	lp := &logProgress{id: fmt.Sprintf("cmt-%s-bias-%d", b.Name, time.Now().UnixNano()), now: time.Now}
	lp.follow(pr, func(id, h string) { b.Out.update(id, h) })
	if err := <-done; err != nil {
		b.Fail(fmt.Errorf("bias.Study %s: %v\n%s", strings.Join(args, " "), err, strings.Join(lp.tail(8), "\n")))
		return
	}
	b.Must(os.WriteFile(stamp, []byte(want), 0o644))
	// The full report is long (every Δt, every init, every term): folded, so the notebook reads as figures and a
	// slope table, with the numbers one click away.
	b.Out.html(`<details><summary>full text report of the analysis (every Δt, init and term)</summary>` +
		`<pre style="font-size:80%;line-height:1.25;overflow-x:auto">` + html.EscapeString(strings.TrimSpace(report.String())) + `</pre></details>`)
}

// BiasFigures shows the four figures of the analysis Bias ran: the ECT bias against Δt per initialisation, the
// spine CMT init's bias split into pair and init terms, the bias against the init's error ε, and ε(t) across t.
func (b *Book) BiasFigures() {
	var paths []string
	for _, f := range biasFigures {
		paths = append(paths, filepath.Join(b.FigDir, f))
	}
	b.Show(paths[0], paths[1])
	b.Show(paths[2], paths[3])
}

// biasSummary is the part of bias.Study's summary.json that BiasSlopes reads.
type biasSummary struct {
	T                float64   `json:"t"`
	SpineDt          float64   `json:"spine_dt"`
	N                int       `json:"n"`
	Dts              []float64 `json:"dts"`
	SpineInit        string    `json:"spine_init"`
	SlopeCMT         float64   `json:"slope_cmt"`
	SlopeCMTSE       float64   `json:"slope_cmt_se"`
	SlopeDiffusion   float64   `json:"slope_diffusion"`
	SlopeDiffusionSE float64   `json:"slope_diffusion_se"`
	BiasRatio        float64   `json:"bias_ratio_diffusion_over_cmt"`
	BiasRatioSE      float64   `json:"bias_ratio_diffusion_over_cmt_se"`
	Inits            []struct {
		Init string  `json:"init"`
		Eps  float64 `json:"eps"`
		Grad struct {
			Norm float64 `json:"norm"`
		} `json:"grad"`
		Fits map[string]struct {
			Slope float64 `json:"slope"`
			SE    float64 `json:"se"`
		} `json:"fits"`
	} `json:"inits"`
}

// BiasSlopes shows the log–log slopes of bias against Δt from the summary.json of the analysis Bias ran: per
// initialisation, of each surrogate's total bias (ECT, ECD with an Euler or Heun step of the exact teacher) and of
// the pair term alone (the pair's own discretisation error, where resolved), with the init's ε and ‖∇L*‖; then
// the headline numbers.
func (b *Book) BiasSlopes() {
	raw, err := os.ReadFile(filepath.Join(b.biasDir(), "summary.json"))
	if err != nil {
		b.Fail(fmt.Errorf("no bias analysis in this notebook's run directory (run Bias first): %w", err))
		return
	}
	var s biasSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		b.Fail(fmt.Errorf("bias summary.json: %w", err))
		return
	}
	header := []string{"init", "ε(t)", "‖∇L*‖", "ECT", "ECD-Euler", "ECD-Heun", "pair term: ECT", "pair term: Euler", "pair term: Heun"}
	var rows [][]string
	for _, in := range s.Inits {
		row := []string{in.Init, fmt.Sprintf("%.3g", in.Eps), fmt.Sprintf("%.3g", in.Grad.Norm)}
		for _, k := range []string{"ect", "ecd-euler", "ecd-heun", "pair:ect", "pair:ecd-euler", "pair:ecd-heun"} {
			cell := "—"
			if f, ok := in.Fits[k]; ok {
				cell = fmt.Sprintf("%.2f ± %.2f", f.Slope, f.SE)
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	b.Table(fmt.Sprintf("Log–log slope of the gradient bias against Δt at t = %g (%d Δt values, N = %d; ± standard error)",
		s.T, len(s.Dts), s.N), header, rows)
	b.Note(fmt.Sprintf("slope of the ECT bias: %s %.2f ± %.2f, diffusion %.2f ± %.2f; bias ratio diffusion/%s at the spine's Δt = %.3g: %.3g ± %.2g",
		s.SpineInit, s.SlopeCMT, s.SlopeCMTSE, s.SlopeDiffusion, s.SlopeDiffusionSE, s.SpineInit, s.SpineDt, s.BiasRatio, s.BiasRatioSE))
}

// logProgress shows a command's stderr log in one block that updates in place: the lines that start with a
// "[" timestamp (the phases) and, below them, the latest other line (a progress bar redrawn with \r or \n).
type logProgress struct {
	id      string
	phases  []string
	current string
	lines   []string
	drawn   time.Time
	now     func() time.Time
}

// follow reads r to its end, splitting it at \r and \n, and redraws the block through update at most every
// redrawEvery and once at the end.
func (lp *logProgress) follow(r io.Reader, update func(id, h string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	sc.Split(splitLines)
	for sc.Scan() {
		lp.add(sc.Text())
		if t := lp.now(); t.Sub(lp.drawn) >= redrawEvery {
			lp.drawn = t
			update(lp.id, lp.html())
		}
	}
	lp.current = ""
	update(lp.id, lp.html())
}

func (lp *logProgress) add(line string) {
	line = strings.TrimRight(line, " ")
	if line == "" {
		return
	}
	lp.lines = append(lp.lines, line)
	if strings.HasPrefix(line, "[") && strings.Contains(line, " s] ") {
		lp.phases, lp.current = append(lp.phases, line), ""
		return
	}
	lp.current = line
}

// tail is the last n lines read.
func (lp *logProgress) tail(n int) []string { return lp.lines[max(0, len(lp.lines)-n):] }

func (lp *logProgress) html() string {
	var sb strings.Builder
	sb.WriteString(`<div style="font-family:monospace;font-size:90%;white-space:pre">`)
	for _, p := range lp.phases {
		sb.WriteString(html.EscapeString(p) + "\n")
	}
	if lp.current != "" {
		sb.WriteString(`<span style="color:#1f77b4">` + html.EscapeString(lp.current) + `</span>`)
	}
	sb.WriteString(`</div>`)
	return sb.String()
}

// splitLines is bufio.ScanLines that also ends a line at \r (progress bars redraw themselves with it).
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
