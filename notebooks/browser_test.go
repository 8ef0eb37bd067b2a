package notebooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotsEnv, set to 1, makes TestBrowser also run every other notebook (those CMT_NOTEBOOK_ONLY selects, if
// set) in the browser and save a full-page screenshot of each after its run (figures/notebooks/<name>.png), plus
// 03's post-training browser cell (figures/notebooks/03_browse_cell.png).
const screenshotsEnv = "CMT_NOTEBOOK_SCREENSHOTS"

// TestBrowser is the real-browser test of the interactive notebooks: it starts the Jupyter Notebook server on
// 127.0.0.1 (with a random token) and headless Chromium, and in each notebook below runs all cells through the page
// (Jupyter's own "run all"), waits until every code cell has run, and fails if a cell shows an error.
//   - 03_consistency: moves the post-training browser's slider to the first evaluation and changes its select to
//     another initialisation (setting the elements' values and dispatching the input/change events a user's drag
//     or pick fires); fails if either leaves the displayed caption unchanged, or the score curve beside the
//     picture does not move.
//   - 06_ablations: picks an arm in the GoNB select of "Try one arm yourself", clicks "train this arm", waits for
//     the kernel to train it and show its row, then clicks "done"; fails if no row appears.
//
// Each notebook runs as a copy that is removed afterwards, so the repository's notebooks are never saved over; runs
// go to a temporary directory.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the browser test runs notebooks (minutes)")
	}
	chrome := findChromium()
	missing := prerequisites()
	if chrome == "" {
		missing = strings.TrimPrefix(missing+", Chromium (Debian package chromium)", ", ")
	}
	if err := exec.Command("jupyter", "notebook", "--version").Run(); err != nil {
		missing = strings.TrimPrefix(missing+", the Jupyter Notebook server (Debian package jupyter-notebook)", ", ")
	}
	if missing != "" {
		msg := "cannot run the browser test: " + missing + "; install with notebooks/setup.sh --headless"
		if inCI() {
			t.Fatal(msg)
		}
		t.Skip(msg + " (a failure when CI=true)")
	}
	work := t.TempDir()
	base, stop := startJupyter(t, work)
	defer stop()
	ctx, cancel := newBrowser(t, chrome)
	defer cancel()
	// Start the browser on this context: chromedp ties the browser's life to the context of its first Run, and the
	// subtests below run on contexts with their own deadlines.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("03_consistency", func(t *testing.T) {
		ctx := runInBrowser(t, ctx, base, "03_consistency.ipynb", nil)
		// The post-training browser: move the slider, then change the select, reading the caption each time.
		const find = `var sl = document.querySelector('input[type=range][id^="browse-"]'); var id = sl.id.replace(/-step$/, "");
		  var cap = function () { return document.getElementById(id + "-caption").textContent; };`
		curve := `(function () {` + find + ` return document.getElementById(id + "-curve").toDataURL(); })()`
		curveBefore := js[string](t, ctx, curve)
		before := js[string](t, ctx, `(function () {`+find+` return cap(); })()`)
		afterSlider := js[string](t, ctx, `(function () {`+find+` sl.value = 0; sl.dispatchEvent(new Event("input", {bubbles: true})); return cap(); })()`)
		afterSelect := js[string](t, ctx, `(function () {`+find+` var sel = document.getElementById(id + "-init");
		  sel.selectedIndex = (sel.selectedIndex + 1) % sel.options.length; sel.dispatchEvent(new Event("change", {bubbles: true}));
		  return cap(); })()`)
		canvasShown := js[string](t, ctx, `(function () {`+find+` return document.getElementById(id + "-canvas").style.display; })()`)
		if curveAfter := js[string](t, ctx, curve); curveAfter == curveBefore {
			t.Errorf("the score curve beside the picture did not change with the controls")
		}
		t.Logf("caption: %q → slider to 0: %q → next init: %q", before, afterSlider, afterSelect)
		if !strings.Contains(before, "init, step") {
			t.Fatalf("the post-training browser shows %q, not an evaluation's caption", before)
		}
		if afterSlider == before || !strings.Contains(afterSlider, "step 0:") {
			t.Errorf("moving the slider to the first evaluation did not change the output (caption %q → %q)", before, afterSlider)
		}
		if afterSelect == afterSlider || strings.SplitN(afterSelect, " ", 2)[0] == strings.SplitN(afterSlider, " ", 2)[0] {
			t.Errorf("changing the initialisation did not change the output (caption %q → %q)", afterSlider, afterSelect)
		}
		if canvasShown != "inline" {
			t.Errorf("the 2D frame canvas is %q after moving the controls, want shown", canvasShown)
		}
		if os.Getenv(screenshotsEnv) == "1" { // the README's picture of an interactive cell
			id := js[string](t, ctx, `(function () {`+find+` document.getElementById(id).scrollIntoView(); return id; })()`)
			png, err := chromedp.Run(ctx, chromedp.Screenshot("#"+id))
			if err == nil {
				err = os.WriteFile(filepath.Join("..", "figures", "notebooks", "03_browse_cell.png"), png, 0o644)
			}
			if err != nil {
				t.Errorf("screenshot of the post-training browser: %v", err)
			}
		}
	})

	t.Run("06_ablations", func(t *testing.T) {
		const arm = "mid.steps = 150"
		runInBrowser(t, ctx, base, "06_ablations.ipynb", func(ctx context.Context) {
			// The TryArms cell is waiting for clicks: pick the arm, train it, wait for its row, then "done".
			waitJS(t, ctx, 8*time.Minute, `document.querySelector('select[id^="cmt_arms_"]') && document.querySelector('button[id^="cmt_arms_"][id$="_done"]')`)
			picked := js[string](t, ctx, `(function () {
			  var sel = document.querySelector('select[id^="cmt_arms_"]');
			  var k = Array.from(sel.options).findIndex(function (o) { return o.textContent === "`+arm+`"; });
			  sel.selectedIndex = k; sel.dispatchEvent(new Event("change", {bubbles: true}));
			  document.querySelector('button[id^="cmt_arms_"][id$="_train"]').click();
			  return sel.options[sel.selectedIndex].textContent; })()`)
			if picked != arm {
				t.Fatalf("picked %q in the select, want %q", picked, arm)
			}
			// The arm's row: only TryArms' table names arms as "key = value" (the sweeps' tables list values).
			waitJS(t, ctx, 4*time.Minute, `Array.from(document.querySelectorAll("table td")).some(function (td) {
			  return td.innerText.trim() === "`+arm+`"; })`)
			js[bool](t, ctx, `document.querySelector('button[id^="cmt_arms_"][id$="_done"]').click(); true`)
		})
	})

	if os.Getenv(screenshotsEnv) == "1" { // the other notebooks, run in the browser for their screenshots
		nbs, _ := filepath.Glob("[0-9][0-9]_*.ipynb")
		sort.Strings(nbs)
		for _, nb := range nbs {
			if nb != "03_consistency.ipynb" && nb != "06_ablations.ipynb" && selected(nb) {
				t.Run(strings.TrimSuffix(nb, ".ipynb"), func(t *testing.T) { runInBrowser(t, ctx, base, nb, nil) })
			}
		}
	}
}

// runInBrowser opens a copy of notebook nb, runs all its cells through the page, calls during (if not nil) while
// they run, waits until every code cell has run, checks that no cell shows an error, and returns the page's
// context. The copy is removed when the test ends.
func runInBrowser(t *testing.T, ctx context.Context, j jupyter, nb string, during func(context.Context)) context.Context {
	pageCtx, errs := runInBrowserOnce(t, ctx, j, nb, during, 1)
	if upstreamFault.MatchString(errs) {
		// Go 1.27's archsimd partial loads read past a slice's end and rarely fault (README, Notes; lib/backend
		// overread.go): not this project's failure, so the notebook runs once more, and the log says so.
		t.Logf("%s: a cell hit the known upstream SIMD fault; running the notebook once more", nb)
		pageCtx, errs = runInBrowserOnce(t, ctx, j, nb, during, 2)
	}
	if errs != "" {
		t.Errorf("cells of %s show errors in the browser:\n%s", nb, excerpt(errs, 30, 5))
	}
	return pageCtx
}

// upstreamFault matches the crash of the upstream out-of-bounds SIMD read (a fault signal in a cell's program).
var upstreamFault = regexp.MustCompile(`fatal error: fault|signal SIGSEGV|unexpected fault address`)

// runInBrowserOnce is one run of runInBrowser (attempt numbers the copy); it returns the page's context and the
// error text the cells show ("" if none).
func runInBrowserOnce(t *testing.T, ctx context.Context, j jupyter, nb string, during func(context.Context), attempt int) (context.Context, string) {
	copyName := fmt.Sprintf("zz_browser_test_%d_%d_%s", os.Getpid(), attempt, nb)
	src, err := os.ReadFile(nb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyName, src, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(copyName)
		os.Remove(filepath.Join(".ipynb_checkpoints", strings.TrimSuffix(copyName, ".ipynb")+"-checkpoint.ipynb"))
	})
	ctx, cancel := context.WithTimeout(ctx, 14*time.Minute)
	t.Cleanup(cancel)
	t0 := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(j.page(copyName))); err != nil {
		t.Fatal(err)
	}
	// The notebook's JS API is up and the kernel connected; autosave off (the copy is thrown away anyway).
	waitJS(t, ctx, 3*time.Minute, `window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()`)
	js[bool](t, ctx, `Jupyter.notebook.set_autosave_interval(0); Jupyter.notebook.execute_all_cells(); true`)
	if during != nil {
		during(ctx)
	}
	// Every code cell has run: a numeric execution count (not pending, "*"), and the kernel idle.
	waitJS(t, ctx, 10*time.Minute, `(function () {
	  var cells = Jupyter.notebook.get_cells().filter(function (c) { return c.cell_type === "code"; });
	  return !Jupyter.notebook.kernel_busy && cells.every(function (c) { return typeof c.input_prompt_number === "number"; });
	})()`)
	t.Logf("%s ran in the browser in %.0f s", nb, time.Since(t0).Seconds())
	if os.Getenv(screenshotsEnv) == "1" {
		screenshot(t, ctx, nb)
	}
	errs := js[string](t, ctx, `Array.from(document.querySelectorAll(".output_error, .output_stderr")).map(function (e) { return e.innerText; })
	  .filter(function (s) { return /panic:|exit status \d+|Error|fatal error/.test(s); }).join("\n---\n")`)
	return ctx, errs
}

// jupyter is a running Jupyter Notebook server.
type jupyter struct{ url, token string }

func (j jupyter) page(nb string) string {
	return fmt.Sprintf("%s/notebooks/%s?token=%s", j.url, nb, j.token)
}

// startJupyter starts the Notebook server on this folder, 127.0.0.1 and a free port, with the notebooks' runs going
// to work, and waits until it answers.
func startJupyter(t *testing.T, work string) (jupyter, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	j := jupyter{url: fmt.Sprintf("http://127.0.0.1:%d", port), token: hex.EncodeToString(tok)}
	cmd := exec.Command("jupyter", "notebook", "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port),
		"--NotebookApp.token="+j.token, "--NotebookApp.open_browser=False", "--allow-root", "--notebook-dir=.")
	cmd.Env = append(os.Environ(), "CMT_NOTEBOOK_OUT="+filepath.Join(work, "work"), "JUPYTER_RUNTIME_DIR="+filepath.Join(work, "runtime"))
	logf, err := os.Create(filepath.Join(work, "jupyter.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		logf.Close()
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		resp, err := http.Get(j.url + "/api/status?token=" + j.token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return j, stop
			}
		}
		if time.Now().After(deadline) {
			stop()
			log, _ := os.ReadFile(filepath.Join(work, "jupyter.log"))
			t.Fatalf("the Jupyter server did not start in 60 s:\n%s", tail(string(log), 30))
		}
	}
}

// findChromium is the Chromium (or Chrome) binary on PATH, "" if none.
func findChromium() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium (no sandbox: CI runs as root) with a 1280×2000 window.
func newBrowser(t *testing.T, chrome string) (context.Context, context.CancelFunc) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 2000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	return ctx, func() { cancelC(); cancelA() }
}

// js evaluates a JavaScript expression in the page and returns its value.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %q in the page: %v", excerpt(expr, 3, 0), err)
	}
	return v
}

// waitJS polls a JavaScript condition every second until it is true or the timeout passes.
func waitJS(t *testing.T, ctx context.Context, timeout time.Duration, cond string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () { try { return !!(`+cond+`); } catch (e) { return false; } })()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting in the page for: %s (last error: %v)", timeout, excerpt(cond, 4, 0), err)
		}
		time.Sleep(time.Second)
	}
}

// screenshot saves a full-page screenshot (PNG) of the page, notebook nb after its run, to
// ../figures/notebooks/<name>.png.
func screenshot(t *testing.T, ctx context.Context, nb string) {
	dir := filepath.Join("..", "figures", "notebooks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The classic notebook scrolls inside #site: the viewport is made as tall as the notebook so the screenshot holds
	// every cell.
	h := js[float64](t, ctx, `(function () { var n = document.getElementById("notebook"); return n ? n.scrollHeight + 150 : 2000; })()`)
	err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, int64(h)), chromedp.Sleep(time.Second))
	var img []byte
	if err == nil {
		img, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	}
	if err == nil {
		path := filepath.Join(dir, strings.TrimSuffix(nb, ".ipynb")+".png")
		if err = os.WriteFile(path, img, 0o644); err == nil {
			t.Logf("wrote %s", path)
		}
	}
	if err != nil {
		t.Errorf("screenshot of %s: %v", nb, err)
	}
}

// selected reports whether CMT_NOTEBOOK_ONLY (comma-separated parts of file names) selects notebook nb; unset, all.
func selected(nb string) bool {
	only := os.Getenv(onlyEnv)
	if only == "" {
		return true
	}
	for _, part := range strings.Split(only, ",") {
		if part != "" && strings.Contains(nb, part) {
			return true
		}
	}
	return false
}
