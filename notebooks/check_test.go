package notebooks

import (
	"strings"
	"testing"
)

// The checker is what turns a notebook run into a verdict, so it must catch each way GoNB reports a failure —
// an error output, "panic:" or "exit status N" on stderr (nbconvert's exit code misses these), a cell that never
// ran — and each missing declared output (a MIME type, a text), while passing a clean notebook. Checked on small
// hand-written notebooks shaped like nbconvert's output; runs without Jupyter.
func TestCheckCatchesFailures(t *testing.T) {
	clean := `{"cells": [
	 {"cell_type": "markdown", "source": "# title", "metadata": {}},
	 {"cell_type": "code", "execution_count": 1, "source": ["%%\n", "nb.Run()"],
	  "metadata": {"cmt": {"expect": ["image/png", "text:done in"]}},
	  "outputs": [
	   {"output_type": "stream", "name": "stderr", "text": ["a warning\n"]},
	   {"output_type": "display_data", "data": {"text/html": ["<b>pretrain</b> done in 3s"]}, "metadata": {}},
	   {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}}]}]}`
	if p := check([]byte(clean)); len(p) != 0 {
		t.Fatalf("clean notebook flagged: %v", p)
	}
	cases := []struct{ name, from, to, want string }{
		{"error output", `{"output_type": "stream", "name": "stderr", "text": ["a warning\n"]}`,
			`{"output_type": "error", "ename": "ERROR", "evalue": "exit status 2", "traceback": []}`, "error output ERROR: exit status 2"},
		{"panic on stderr", `"a warning\n"`, `"panic: boom\n\ngoroutine 1 [running]:\n"`, "its program failed"},
		{"exit status on stderr", `"a warning\n"`, `"exit status 1\n"`, "its program failed"},
		{"cell not run", `"execution_count": 1`, `"execution_count": null`, "did not run"},
		{"missing image", `"image/png": "iVBOR"`, `"text/plain": "x"`, "expected a image/png output"},
		{"missing text", `done in 3s`, `running`, `expected output text "done in" is missing`},
	}
	for _, c := range cases {
		bad := strings.Replace(clean, c.from, c.to, 1)
		if bad == clean {
			t.Fatalf("%s: the case does not change the notebook", c.name)
		}
		p := check([]byte(bad))
		if len(p) != 1 || !strings.Contains(p[0], c.want) || !strings.Contains(p[0], "code cell 1") {
			t.Errorf("%s: want one problem naming code cell 1 and containing %q, got %q", c.name, c.want, p)
		}
	}
	if p := check([]byte("{")); len(p) != 1 {
		t.Errorf("invalid JSON: want one problem, got %v", p)
	}
	// A crash report keeps its first lines (the fault and the top of the trace) and GoNB's closing exit status.
	long := "fatal error: fault\n" + strings.Repeat("\tframe\n", 100) + "exit status 2\n"
	trace := strings.ReplaceAll(strings.ReplaceAll(long, "\n", `\n`), "\t", `\t`)
	p := check([]byte(strings.Replace(clean, `"a warning\n"`, `"`+trace+`"`, 1)))
	if len(p) != 1 || !strings.Contains(p[0], "fatal error: fault") || !strings.Contains(p[0], "exit status 2") ||
		strings.Count(p[0], "frame") > 25 {
		t.Errorf("crash excerpt: %q", p)
	}
}

// GoNB's own log lines, the gopls shutdown trace it prints when the kernel stops and nbconvert's Python traceback
// are noise in a failure report; the notebook's messages (the failing cell, its error) must survive the filter.
func TestKernelNoiseKeepsTheNotebooksMessages(t *testing.T) {
	in := "[NbConvertApp] Converting notebook x.ipynb to notebook\n" +
		"I1126 14:39:52.248845    4320 main.go:261] Exiting...\n" +
		"E1126 14:48:29.114563   14361 main.go:191] Error message\n" +
		"goroutine 1 [running]:\n" +
		"github.com/janpfeifer/gonb/internal/util.GetStackTrace(...)\n" +
		"\t/root/go/pkg/mod/github.com/janpfeifer/gonb@v0.11.5/internal/util/util.go:16\n" +
		"main.main()\n" +
		"failed to run \"/usr/local/go/bin/go build -o /tmp/gonb_1/gonb_1 -tags=noxla\"\n" +
		"github.com/janpfeifer/gonb/internal/goexec.(*State).Compile\n" +
		"\t/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64/src/runtime/asm_amd64.s:1264\n" +
		"Traceback (most recent call last):\n" +
		"  File \"/usr/bin/jupyter-nbconvert\", line 33, in <module>\n" +
		"nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:\n" +
		"ERROR: exit status 1\n"
	out := kernelNoise(in)
	if strings.Contains(out, "I1126") || strings.Contains(out, "GetStackTrace") || strings.Contains(out, "goroutine") ||
		strings.Contains(out, "jupyter-nbconvert") || strings.Contains(out, "goexec") || strings.Contains(out, "asm_amd64") {
		t.Fatalf("noise kept:\n%s", out)
	}
	if !strings.Contains(out, "Converting notebook") || !strings.Contains(out, "failed to run") || !strings.Contains(out, "CellExecutionError: An error occurred") ||
		!strings.Contains(out, "ERROR: exit status 1") {
		t.Fatalf("messages dropped:\n%s", out)
	}
}
