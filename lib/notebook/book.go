package notebook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/train"
	"github.com/gomlx/compute"
)

// OutEnv names the environment variable that moves a notebook's run and figure directories out of the repository
// (the notebook test sets it to a temporary directory): runs go to $CMT_NOTEBOOK_OUT/runs/<name>, figures to
// $CMT_NOTEBOOK_OUT/figures/<name>.
const OutEnv = "CMT_NOTEBOOK_OUT"

// Module is the repository's module path; Open finds the repository root by its go.mod.
const Module = "github.com/gocmt/cmt"

// Config is a notebook's settings.
type Config struct {
	Name   string // the notebook's name, e.g. "00_quickstart": its run and figure directories
	Preset string // the pipeline preset ("" = toy2d)
	Seed   int64  // 0 = 1
	Full   bool   // use the full settings instead of the quick ones
	Quick  string // -set overrides of the quick settings, applied on top of the preset and FullSet
	// FullSet are -set overrides of the full settings ("" = the preset as it is, make run's recipe).
	FullSet string
	Out     Output
	// Backend is the compute backend, as GOMLX_BACKEND would name it: "" = $GOMLX_BACKEND, else the pure-Go CPU
	// backend (fast cell builds with the wiring cell's %goflags -tags=noxla); "xla:cuda" = XLA on the GPU through
	// the PJRT CUDA plugin (delete the %goflags line first: those builds leave XLA out; README, "GPU").
	Backend string
}

// Book is one open notebook.
type Book struct {
	Config
	P       pipeline.Preset // the resolved settings
	Root    string          // the repository root
	RunDir  string          // checkpoints and logs of this notebook's run (keyed by its settings)
	FigDir  string          // figures
	Ctx     context.Context // cancelled when the cell is interrupted
	Backend compute.Backend
	// CellSet are this cell's own overrides, `%% --set="post.q=64;post.lr=3e-4"`, applied on top of the mode's
	// settings (P includes them; the run directory keys on the result, so a cell without them resumes the
	// notebook's own run).
	CellSet string

	backendLine string
	run         *pipeline.Run
	done        map[string]bool
	watch       *watcher
}

// Open resolves a notebook's settings and directories. On error it shows the error and exits (see package doc).
func Open(c Config) *Book {
	b, err := open(c)
	if err != nil {
		(&Book{Config: c}).Fail(err)
	}
	return b
}

func open(c Config) (*Book, error) {
	if c.Name == "" {
		return nil, errors.New("notebook: Config.Name is empty")
	}
	if c.Preset == "" {
		c.Preset = "toy2d"
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	b := &Book{Config: c, done: map[string]bool{}, CellSet: cellOverrides(os.Args[1:])}
	var err error
	if b.P, err = b.Resolve(c.Full); err != nil {
		return nil, err
	}
	if err := b.P.Set(b.CellSet); err != nil {
		return nil, fmt.Errorf("this cell's %%%% --set=%q: %w", b.CellSet, err)
	}
	if b.Root, err = findRoot(); err != nil {
		return nil, err
	}
	mode := "quick"
	if c.Full {
		mode = "full"
	}
	runs, figs := filepath.Join(b.Root, "runs", "notebooks", c.Name), filepath.Join(b.Root, "figures", "notebooks", c.Name)
	if o := os.Getenv(OutEnv); o != "" {
		runs, figs = filepath.Join(o, "runs", c.Name), filepath.Join(o, "figures", c.Name)
	}
	b.RunDir = filepath.Join(runs, mode+"-"+settingsKey(b.P, c.Seed))
	b.FigDir = figs
	b.Ctx, _ = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	b.watch = newWatcher(b)
	return b, nil
}

// Resolve returns the settings of the quick (full = false) or full mode.
func (b *Book) Resolve(full bool) (pipeline.Preset, error) {
	p, err := pipeline.Lookup(b.Config.Preset)
	if err != nil {
		return p, err
	}
	if err := p.Set(b.FullSet); err != nil {
		return p, fmt.Errorf("full settings: %w", err)
	}
	if !full {
		if err := p.Set(b.Quick); err != nil {
			return p, fmt.Errorf("quick settings: %w", err)
		}
	}
	return p, nil
}

// settingsKey is a short hash of the resolved settings and seed: a run directory per distinct configuration, so a
// changed setting never resumes another configuration's checkpoints.
func settingsKey(p pipeline.Preset, seed int64) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\nseed=%d", p.JSON(), seed)))
	return hex.EncodeToString(h[:4])
}

// findRoot returns the repository root: the parent of the notebook's folder ($GONB_DIR, set by GoNB), else the
// nearest directory above the working directory whose go.mod declares Module.
func findRoot() (string, error) {
	var starts []string
	if d := os.Getenv("GONB_DIR"); d != "" {
		starts = append(starts, d)
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, d := range starts {
		for d, _ = filepath.Abs(d); ; d = filepath.Dir(d) {
			if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && isModule(b) {
				return d, nil
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	return "", fmt.Errorf("notebook: no go.mod of %s above %s: open the notebooks from the repository's notebooks/ folder", Module, strings.Join(starts, " or "))
}

func isModule(gomod []byte) bool {
	for _, l := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "module" && f[1] == Module {
			return true
		}
	}
	return false
}

// backendOnce creates the compute backend (pure Go on the CPU unless GOMLX_BACKEND says otherwise).
func (b *Book) backendOnce() error {
	if b.Backend != nil {
		return nil
	}
	if b.Config.Backend != "" {
		_ = os.Setenv(backend.EnvVar, b.Config.Backend)
	}
	var buf bytes.Buffer
	be, err := backend.New(&buf)
	if err != nil {
		if c := backend.Config(); strings.HasPrefix(c, "xla") && !slices.Contains(compute.List(), "xla") {
			return fmt.Errorf("backend %q: these cells were built without XLA (the wiring cell's %%goflags -tags=noxla): delete that line, restart the kernel, and run the notebook again", c)
		}
		return err
	}
	b.Backend, b.backendLine = be, strings.TrimSpace(buf.String())
	return nil
}

// Stages Run knows, in pipeline order.
var Stages = []string{"pretrain", "trajectories", "midtrain", "post", "all"}

// Run returns the notebook's pipeline run after running the named stages in order (see Stages): "pretrain" (the
// EDM teacher), "trajectories" (the teacher's PF-ODE solves), "midtrain" (CMT), "post" (ECT from every init of
// post.inits), "all" (the whole pipeline with its figures and summary.json, as make run). A stage finished in an
// earlier cell resumes from its checkpoint at once, and says so; a training stage shows a progress bar and a live
// loss plot. On error the cell stops (see package doc).
func (b *Book) Run(stages ...string) *pipeline.Run {
	r, err := b.runStages(stages)
	if err != nil {
		b.Fail(err)
	}
	return r
}

func (b *Book) runStages(stages []string) (*pipeline.Run, error) {
	if b.run == nil {
		if err := b.backendOnce(); err != nil {
			return nil, err
		}
		r, err := pipeline.New(b.P, pipeline.Options{Out: b.RunDir, Figures: b.FigDir, Seed: b.Seed, Backend: b.Backend,
			Log: io.Discard, Watch: b.watch})
		if err != nil {
			return nil, err
		}
		b.run = r
		if err := b.adopt(r); err != nil {
			return nil, err
		}
	}
	r := b.run
	b.resumeNote(stages)
	need := map[string]string{ // what each stage reads, and the stages that make it
		"trajectories": `stage "trajectories" needs the teacher: ask for "pretrain" first`,
		"midtrain":     `stage "midtrain" needs the teacher's trajectories: ask for "pretrain", "trajectories" first`,
		"post":         `stage "post" needs the CMT student: ask for "pretrain", "trajectories", "midtrain" first`,
	}
	for _, s := range stages {
		if b.done[s] {
			continue
		}
		if s == "all" {
			if err := r.All(b.Ctx); err != nil {
				return nil, err
			}
			b.done[s] = true
			continue
		}
		if !slices.Contains(Stages, s) {
			return nil, fmt.Errorf("unknown stage %q (use %s)", s, strings.Join(Stages, ", "))
		}
		if missing := (s == "trajectories" && r.Teacher == nil) || (s == "midtrain" && r.Traj == nil) ||
			(s == "post" && r.Mid == nil); missing {
			return nil, errors.New(need[s])
		}
		for _, st := range r.Steps(b.Ctx) { // the pipeline's own steps: "post" is one per init
			if st.Name != s {
				continue
			}
			if err := st.Run(); err != nil {
				return nil, fmt.Errorf("%s: %w", st.Label, err)
			}
		}
		b.done[s] = true
	}
	return r, nil
}

// Midtrain runs pre-training, the teacher's trajectories and mid-training with the CMT objective m that the cell
// builds, and returns the run. m's settings (CMT.Settings: its pairs, distance and pseudo-Huber c) apply to this
// cell on top of the notebook's, as %% --set would: when they differ from the notebook's, the cell gets its own
// run folder and shares the notebook's teacher; later cells without them are back on the notebook's run.
func (b *Book) Midtrain(m pipeline.CMT) *pipeline.Run {
	set, err := m.Settings()
	if err == nil {
		err = b.apply(set)
	}
	if err != nil {
		b.Fail(fmt.Errorf("Midtrain: %w", err))
	}
	return b.Run("pretrain", "trajectories", "midtrain")
}

// apply adds settings to this cell's, before any stage of the cell has run.
func (b *Book) apply(set string) error {
	p := b.P
	if err := p.Set(set); err != nil {
		return err
	}
	if p.JSON() == b.P.JSON() {
		return nil
	}
	if b.run != nil {
		return fmt.Errorf("settings %q change the run after this cell ran a stage: call it first in the cell", set)
	}
	mode, _, _ := strings.Cut(filepath.Base(b.RunDir), "-")
	b.P, b.CellSet = p, strings.Trim(b.CellSet+";"+set, ";")
	b.RunDir = filepath.Join(filepath.Dir(b.RunDir), mode+"-"+settingsKey(p, b.Seed))
	return nil
}

// adopt takes the finished teacher and CMT student of another run folder of this notebook whose settings give
// the same stage fingerprints (a cell's %% --set that changes only post-training shares the notebook's teacher),
// and says so.
func (b *Book) adopt(r *pipeline.Run) error {
	siblings, _ := filepath.Glob(filepath.Join(filepath.Dir(b.RunDir), "*"))
	from, err := r.AdoptFinished(siblings)
	for _, stage := range r.SharedStages() {
		if d, ok := from[stage]; ok {
			b.Note(fmt.Sprintf("%s: the finished checkpoint of %s (same settings for this stage) is reused", stage, b.rel(d)))
		}
	}
	return err
}

// resumeNote says in one line which of the training stages asked for are finished already (by an earlier cell or
// run) and will only be resumed from their checkpoints.
func (b *Book) resumeNote(stages []string) {
	inits, _ := b.P.InitList()
	type st struct {
		name  string
		steps int
	}
	var want []st
	for _, s := range stages {
		if b.done[s] {
			continue
		}
		if s == "pretrain" || s == "all" {
			want = append(want, st{"pretrain", b.P.PreSteps})
		}
		if s == "midtrain" || s == "all" {
			want = append(want, st{"midtrain", b.P.MidSteps})
		}
		if s == "post" || s == "all" {
			for _, in := range inits {
				// The stage is post_<method>_<init>; the method (ect, ecd-heun, ...) depends on the settings.
				found, _ := filepath.Glob(filepath.Join(b.RunDir, "ckpt", "post_*_"+in+".ckpt"))
				for _, f := range found {
					want = append(want, st{strings.TrimSuffix(filepath.Base(f), ".ckpt"), b.P.PostSteps})
				}
			}
		}
	}
	var done []string
	for _, w := range want {
		if step, err := train.ReadCheckpointStep(filepath.Join(b.RunDir, "ckpt", w.name+".ckpt")); err == nil && step >= w.steps {
			done = append(done, shortLabel(w.name))
		}
	}
	if len(done) > 0 {
		b.Note("✓ trained in an earlier cell (or run), resumed from its checkpoints: " + strings.Join(done, ", "))
	}
}

// Must stops the cell when err is not nil (see package doc).
func (b *Book) Must(err error) {
	if err != nil {
		b.Fail(err)
	}
}

// exit ends the cell's process and stderr receives the error; tests replace them.
var (
	exit             = os.Exit
	stderr io.Writer = os.Stderr
)

// Fail shows err in the notebook and on stderr, and exits with status 1.
func (b *Book) Fail(err error) {
	msg := err.Error()
	b.Config.Out.html(`<div style="border-left:4px solid #d62728;padding:4px 8px;background:#fdecea;font-family:monospace;white-space:pre-wrap">` +
		"error: " + html.EscapeString(msg) + `</div>`)
	fmt.Fprintln(stderr, "error:", msg)
	exit(1)
}
