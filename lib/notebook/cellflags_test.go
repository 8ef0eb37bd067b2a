package notebook

import (
	"os"
	"strings"
	"testing"
)

// cellOverrides finds every spelling of -set GoNB can pass after %% and ignores other flags.
func TestCellOverrides(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--set=post.q=64;post.lr=3e-4"}, "post.q=64;post.lr=3e-4"},
		{[]string{"-set", "post.q=64"}, "post.q=64"},
		{[]string{"--set", "post.q=64", "-v", "--set=post.lr=1e-3"}, "post.q=64;post.lr=1e-3"},
		{[]string{"-settle=1", "set=2", "--", "--set=post.q=4"}, ""},
	} {
		if got := cellOverrides(c.args); got != c.want {
			t.Errorf("cellOverrides(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

// A cell's %% --set changes the settings and the run folder; the same cell without it is back on the notebook's
// own run folder (switching back resumes); a bad key stops the cell with the key named.
func TestCellSetOverridesAndRunDir(t *testing.T) {
	t.Setenv(OutEnv, t.TempDir())
	rec := newRecorder()
	cfg := Config{Name: "nb", Quick: "pre.steps=7", Out: rec.output()}
	args := os.Args
	defer func() { os.Args = args }()

	os.Args = []string{"cell"}
	plain := Open(cfg)
	os.Args = []string{"cell", `--set=post.q=64;post.lr=3e-4`}
	cell := Open(cfg)
	os.Args = []string{"cell"}
	back := Open(cfg)
	if cell.P.Q != 64 || cell.P.PostLR != 3e-4 || cell.P.PreSteps != 7 || cell.CellSet == "" {
		t.Fatalf("with --set: q %v lr %v pre.steps %d (want 64, 3e-4, 7), CellSet %q", cell.P.Q, cell.P.PostLR, cell.P.PreSteps, cell.CellSet)
	}
	if plain.RunDir == cell.RunDir || plain.RunDir != back.RunDir {
		t.Fatalf("run folders: plain %s, with --set %s, plain again %s", plain.RunDir, cell.RunDir, back.RunDir)
	}
	if _, err := open(Config{Name: "nb"}); err != nil {
		t.Fatal(err)
	}
	os.Args = []string{"cell", "--set=post.qq=1"}
	if _, err := open(cfg); err == nil || !strings.Contains(err.Error(), "--set") || !strings.Contains(err.Error(), "unknown key") {
		t.Fatalf("bad cell key: %v", err)
	}
}
