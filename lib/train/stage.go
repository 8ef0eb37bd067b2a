package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/progress"
	"github.com/gocmt/cmt/lib/runlog"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Config is the optimisation recipe of a stage.
type Config struct {
	Steps           int     // total optimisation steps
	LR              float64 // Adam learning rate
	LinearDecay     bool    // decay the learning rate linearly to 0 at Steps (CMT's recipe) instead of keeping it
	Beta2           float64 // Adam β₂ (0 → 0.999)
	EMA             float64 // EMA decay per step, in [0, 1)
	CheckpointEvery int     // steps between checkpoints (and OnCheckpoint calls); 0 → only at the end
	LogEvery        int     // steps between metrics.jsonl records; 0 → 100

	// Devices > 1 trains data-parallel on that many devices of the backend (spmd.go): GoMLX AutoSharding over a
	// 1-D mesh, each batch input split along axis 0 (the global batch must be divisible by Devices), the weights,
	// optimizer state, EMA and RNG state replicated. It needs a multi-device backend (GOMLX_BACKEND=xla:cuda on a
	// multi-GPU machine); the pure-Go backend has one device. 0 or 1: one device, the default path.
	Devices int
}

// Forward is the model a stage trains, as a graph function of the network scope: x [batch, dim] and t [batch]
// (EDM noise level) → [batch, dim]. Examples: EDM's denoiser D, the consistency function f.
type Forward func(net *model.Scope, x, t *Node) *Node

// Objective builds the scalar loss of one batch. root is the Store's root scope: the trained network lives at
// NetScope(root); other networks (a frozen teacher) may live elsewhere as non-trainable variables. inputs are the
// host batch tensors, in the order Batch returns them.
type Objective func(root *model.Scope, inputs []*Node) *Node

// The named scopes of a stage's Store: the trained weights, their moving average, and a frozen teacher that an
// objective reads (ECD, LMD), as variable-path prefixes.
const (
	NetPath     = "/net"
	EMAPath     = "/ema/net"
	TeacherPath = "/teacher/net"
)

// TeacherScope is the scope of the frozen teacher, TeacherPath.
func TeacherScope(root *model.Scope) *model.Scope { return root.At("teacher").At("net") }

// NetScope is the scope of the trained weights, NetPath.
func NetScope(root *model.Scope) *model.Scope { return root.At("net") }

// EMAScope is the scope of their moving average, EMAPath.
func EMAScope(root *model.Scope) *model.Scope { return root.At("ema").At("net") }

// Stage is one training stage with its own Store.
type Stage struct {
	Name    string // used in file names, logs and messages
	Dir     string // the stage checkpoints to Dir/<Name>.ckpt; "" disables checkpoints
	Backend compute.Backend
	Store   *model.Store
	Cfg     Config
	Dim     int     // data dimension
	Forward Forward // the trained model (also evaluated on EMA weights by EMAFunc)
	Log     *runlog.Log
	Out     io.Writer // progress bar and messages; nil → os.Stderr

	// Fingerprint, if set, is a JSON object of the settings this stage depends on; it is saved in checkpoints and a
	// checkpoint written with other settings is refused instead of being silently resumed.
	Fingerprint string

	// Watch, if set, sees the stage's progress and every step's loss (a notebook draws its bar and loss curve);
	// the text progress bar on Out is then not drawn.
	Watch Watcher

	// OnCheckpoint, if set, runs at every checkpoint step (and at step 0 of a fresh stage) before the save; its
	// returned value is saved in the checkpoint (Extra) and handed back by Prepare on resume.
	OnCheckpoint func(step int) (extra any, err error)

	Step  int             // optimisation steps done
	Extra json.RawMessage // the Extra of the checkpoint Prepare resumed from, if any

	exec     *model.Exec
	dp       *dataParallel   // data-parallel configuration of exec (spmd.go); nil on the single-device path
	labels   context.Context // the profiler labels in force (profileLabels); nil before the first
	evalFns  map[string]*model.Exec
	evalStep int // Step at which evalFns were compiled
}

// Watcher observes a running stage.
type Watcher interface {
	// Progress is called with the stage's progress at most every 100 ms and once when the stage ends.
	Progress(stage string, s progress.Status)
	// Loss is called after every optimisation step with the step count and that step's loss.
	Loss(stage string, step int, loss float64)
}

// NewStage creates a stage with a fresh Store seeded with seed.
func NewStage(b compute.Backend, name, dir string, dim int, fwd Forward, cfg Config, seed int64) (*Stage, error) {
	st := model.NewStore()
	if err := st.SetRNGStateFromSeed(seed); err != nil {
		return nil, err
	}
	return &Stage{Name: name, Dir: dir, Backend: b, Store: st, Cfg: cfg, Dim: dim, Forward: fwd, evalFns: map[string]*model.Exec{}}, nil
}

// CheckpointPath is where the stage's checkpoint lives ("" when checkpoints are off).
func (s *Stage) CheckpointPath() string {
	if s.Dir == "" {
		return ""
	}
	return filepath.Join(s.Dir, s.Name+".ckpt")
}

// Done reports whether the stage has run all its steps.
func (s *Stage) Done() bool { return s.Step >= s.Cfg.Steps }

func (s *Stage) out() io.Writer {
	if s.Out != nil {
		return s.Out
	}
	return os.Stderr
}

// ErrOtherSettings marks a checkpoint written with settings other than the stage's (Prepare refuses to resume it).
var ErrOtherSettings = errors.New("settings differ from the checkpoint's")

// Prepare resumes from the stage's checkpoint when one exists; otherwise it creates the network's weights
// (randomly, or copied from initFrom's EMA weights /ema/net when initFrom is not nil: the paper initialises each
// stage from the previous one) and their EMA copy. It returns whether it resumed.
func (s *Stage) Prepare(initFrom *model.Store) (resumed bool, err error) {
	if p := s.CheckpointPath(); p != "" {
		if old, err := ReadCheckpointConfig(p); err == nil {
			if d := ConfigDiff(old, s.Fingerprint); d != nil {
				return false, fmt.Errorf("%s: checkpoint %s was written with other settings (%s): use another -out directory, or delete the checkpoint to retrain this stage: %w",
					s.Name, p, strings.Join(d, "; "), ErrOtherSettings)
			}
		}
		step, extra, err := LoadCheckpoint(p, s.Store)
		switch {
		case err == nil:
			s.Step, s.Extra = step, extra
			fmt.Fprintf(s.out(), "%s: resumed from %s at step %d/%d\n", s.Name, p, step, s.Cfg.Steps)
			return true, nil
		case !errors.Is(err, os.ErrNotExist):
			return false, fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	// Build the network once so that its variables exist and are initialised.
	if _, err := model.CallOnce(s.Backend, s.Store, func(root *model.Scope, x *Node) *Node {
		t := OnesLike(Slice(x, AxisRange(), AxisElem(0)))
		return s.Forward(NetScope(root), x, Reshape(t, x.Shape().Dimensions[0]))
	}, tensors.FromShape(shapes.Make(dtypes.Float32, 1, s.Dim))); err != nil {
		return false, fmt.Errorf("%s: building the network: %w", s.Name, err)
	}
	if initFrom != nil {
		if err := CopyWeights(initFrom, EMAPath, s.Store, NetPath); err != nil {
			return false, fmt.Errorf("%s: initialising from the previous stage: %w", s.Name, err)
		}
	}
	return false, CopyWeights(s.Store, NetPath, s.Store, EMAPath)
}

// CopyWeights copies every variable under fromPrefix in `from` to the same relative path under toPrefix in `to`,
// creating missing destination variables as non-trainable when toPrefix is not /net.
func CopyWeights(from *model.Store, fromPrefix string, to *model.Store, toPrefix string) error {
	n := 0
	for v := range from.IterVariables() {
		if !strings.HasPrefix(v.Path(), fromPrefix+"/") {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return err
		}
		dst := toPrefix + strings.TrimPrefix(v.Path(), fromPrefix)
		c, err := t.LocalClone()
		if err != nil {
			return err
		}
		if dv := to.GetVariable(dst); dv != nil {
			if err := dv.SetValue(c); err != nil {
				return fmt.Errorf("%s → %s: %w", v.Path(), dst, err)
			}
		} else {
			dv, err := to.CreateVariable(dst, c)
			if err != nil {
				return err
			}
			dv.SetTrainable(toPrefix == NetPath)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no variables under %s to copy", fromPrefix)
	}
	return nil
}

// ErrNonFinite marks a stage stopped because its loss became NaN or infinite.
var ErrNonFinite = errors.New("non-finite loss")

// Run trains until Cfg.Steps. batch(step) returns the host tensors of the step's inputs (fresh tensors each
// call); it should depend only on step (and fixed seeds) so that a resumed run sees the same data. Run saves a
// checkpoint every Cfg.CheckpointEvery steps and at the end, and stops with ErrNonFinite — keeping the last good
// checkpoint on disk — when the loss is NaN or ±Inf. It honours ctx cancellation between steps.
func (s *Stage) Run(ctx context.Context, obj Objective, batch func(step int) []*tensors.Tensor) error {
	defer s.profileLabels("step")()
	if s.Step == 0 && s.OnCheckpoint != nil && s.Extra == nil {
		if err := s.checkpoint(); err != nil {
			return err
		}
	}
	if s.Done() {
		return nil
	}
	if s.exec == nil {
		if err := s.buildExec(obj); err != nil {
			return err
		}
	}
	logEvery := s.Cfg.LogEvery
	if logEvery <= 0 {
		logEvery = 100
	}
	bar := progress.New(s.out(), s.Name, s.Cfg.Steps)
	if s.Watch != nil {
		bar = progress.New(nil, s.Name, s.Cfg.Steps).OnUpdate(func(st progress.Status) { s.Watch.Progress(s.Name, st) })
	}
	bar.Set(s.Step)
	var sumLoss float64
	var nLoss int
	for s.Step < s.Cfg.Steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		in := batch(s.Step)
		frac := float32(s.Step) / float32(s.Cfg.Steps)
		args := make([]any, 0, len(in)+1)
		for _, t := range in {
			args = append(args, t)
		}
		args = append(args, tensors.FromScalar(frac))
		// --- data-parallel dispatch (spmd.go); the single-device call is unchanged ---
		var outs []*tensors.Tensor
		var err error
		if s.dp != nil {
			outs, err = s.dp.call(s.exec, in, frac)
		} else {
			outs, err = s.exec.Call(args...)
		}
		// --- end of data-parallel dispatch ---
		if err != nil {
			return fmt.Errorf("%s: step %d: %w", s.Name, s.Step, err)
		}
		loss := float64(tensors.ToScalar[float32](outs[0]))
		s.Step++
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			bar.Finish()
			kept := "no checkpoint was written yet"
			if p := s.CheckpointPath(); p != "" {
				if st, err := ReadCheckpointStep(p); err == nil {
					kept = fmt.Sprintf("the last good checkpoint (step %d) is kept in %s", st, p)
				}
			}
			return fmt.Errorf("%s: %w (loss = %v at step %d); %s. Lower the learning rate (-set %s.lr=...) and rerun: the stage resumes from its checkpoint",
				s.Name, ErrNonFinite, loss, s.Step, kept, settingPrefix(s.Name))
		}
		sumLoss += loss
		nLoss++
		if s.Watch != nil {
			s.Watch.Loss(s.Name, s.Step, loss)
		}
		bar.Add(1)
		if s.Step%logEvery == 0 || s.Step == s.Cfg.Steps {
			mean := sumLoss / float64(nLoss)
			bar.SetInfo(fmt.Sprintf("loss=%.4g", mean))
			if s.Log != nil {
				if err := s.Log.Write(map[string]any{"stage": s.Name, "step": s.Step, "loss": mean, "lr": s.lr(float64(frac))}); err != nil {
					return err
				}
			}
			sumLoss, nLoss = 0, 0
		}
		if (s.Cfg.CheckpointEvery > 0 && s.Step%s.Cfg.CheckpointEvery == 0) || s.Step == s.Cfg.Steps {
			if err := s.checkpoint(); err != nil {
				return err
			}
		}
	}
	bar.Finish()
	return nil
}

// settingPrefix is the -set prefix of a stage's settings: pre for pretrain, mid for midtrain*, post for post_*.
func settingPrefix(stage string) string {
	switch {
	case strings.HasPrefix(stage, "pre"):
		return "pre"
	case strings.HasPrefix(stage, "mid"):
		return "mid"
	case strings.HasPrefix(stage, "post"):
		return "post"
	}
	return stage
}

func (s *Stage) lr(frac float64) float64 {
	if s.Cfg.LinearDecay {
		return s.Cfg.LR * (1 - frac)
	}
	return s.Cfg.LR
}

// profileLabels tags this goroutine (and the goroutines it starts, such as the backend's workers) for CPU
// profiles with stage=<name> and phase=<phase>: "step" for training steps, "checkpoint" for checkpoints and the
// evaluations run with them. `go tool pprof -tagfocus phase=checkpoint` then splits a run's profile. It returns
// the call that restores the labels in force before.
func (s *Stage) profileLabels(phase string) func() {
	prev := s.labels
	if prev == nil {
		prev = context.Background()
	}
	s.labels = pprof.WithLabels(context.Background(), pprof.Labels("stage", s.Name, "phase", phase))
	pprof.SetGoroutineLabels(s.labels)
	return func() { s.labels = prev; pprof.SetGoroutineLabels(prev) }
}

func (s *Stage) checkpoint() error {
	defer s.profileLabels("checkpoint")()
	var extra any
	if s.OnCheckpoint != nil {
		e, err := s.OnCheckpoint(s.Step)
		if err != nil {
			return fmt.Errorf("%s: at step %d: %w", s.Name, s.Step, err)
		}
		extra = e
		if b, err := json.Marshal(e); err == nil {
			s.Extra = b
		}
	}
	if p := s.CheckpointPath(); p != "" {
		if err := SaveCheckpointWithConfig(p, s.Store, s.Step, s.Fingerprint, extra); err != nil {
			return fmt.Errorf("%s: saving checkpoint: %w", s.Name, err)
		}
	}
	return nil
}

// buildExec compiles one optimisation step: loss → Adam update of /net → EMA update of /ema/net.
func (s *Stage) buildExec(obj Objective) error {
	beta2 := s.Cfg.Beta2
	if beta2 == 0 {
		beta2 = 0.999
	}
	opt := optimizer.Adam().LearningRate(s.Cfg.LR).Betas(0.9, beta2).Done()
	var err error
	s.exec, err = model.NewExec(s.Backend, s.Store, func(root *model.Scope, inputs []*Node) []*Node {
		g := inputs[0].Graph()
		s.Store.SetTraining(g, true)
		frac := inputs[len(inputs)-1]
		loss := obj(root, inputs[:len(inputs)-1])
		lrVar := optimizer.LearningRateVar(root, dtypes.Float32, s.Cfg.LR)
		if s.Cfg.LinearDecay {
			lrVar.SetNodeValue(MulScalar(OneMinus(frac), s.Cfg.LR))
		}
		opt.UpdateGraph(root, g, loss)
		d := s.Cfg.EMA
		for v := range s.Store.IterVariables() {
			if !v.Trainable || !strings.HasPrefix(v.Path(), "/net/") {
				continue
			}
			ema := s.Store.GetVariable("/ema" + v.Path())
			if ema == nil {
				panic(fmt.Sprintf("stage %s: no EMA copy of %s", s.Name, v.Path()))
			}
			ema.SetNodeValue(Add(MulScalar(ema.NodeValue(g), d), MulScalar(v.NodeValue(g), 1-d)))
		}
		return []*Node{loss}
	})
	if err != nil {
		return fmt.Errorf("%s: compiling the training step: %w", s.Name, err)
	}
	// --- data-parallel set-up (spmd.go): only when Cfg.Devices is not 0 or 1, or ForceDataParallel was called ---
	if s.Cfg.Devices > 1 || s.Cfg.Devices < 0 || s.dp != nil {
		if err := s.setupDataParallel(); err != nil {
			s.exec = nil
			return err
		}
	}
	return nil
}

// EMAFunc returns a host function evaluating Forward on the EMA weights: x is [n·dim] row-major, t one noise
// level for all points; the result is [n·dim]. It satisfies the solvers' denoiser signature.
func (s *Stage) EMAFunc() func(x []float64, dim int, t float64) []float64 {
	return s.hostFunc("ema", EMAScope)
}

// NetFunc is EMAFunc on the raw (non-averaged) weights.
func (s *Stage) NetFunc() func(x []float64, dim int, t float64) []float64 {
	return s.hostFunc("net", NetScope)
}

func (s *Stage) hostFunc(key string, at func(*model.Scope) *model.Scope) func(x []float64, dim int, t float64) []float64 {
	return func(x []float64, dim int, t float64) []float64 {
		e := s.evaluator(key, func() *model.Exec {
			return model.MustNewExec(s.Backend, s.Store, func(root *model.Scope, x, t *Node) *Node {
				return s.Forward(at(root), x, t)
			})
		})
		n := len(x) / dim
		return host.Float64s(e.MustCall(host.Tensor(x, n, dim), host.Tensor(filled(n, t), n))[0])
	}
}

// evaluator is the stage's compiled host evaluator under key, built on first use. A model.Exec compiled before
// training steps kept returning the old weights' outputs (GoMLX v0.28.16, seen in TestEMAFollowsWeights), so all
// of them are recompiled once the weights have moved.
func (s *Stage) evaluator(key string, build func() *model.Exec) *model.Exec {
	if s.evalStep != s.Step {
		for k, e := range s.evalFns {
			e.Finalize()
			delete(s.evalFns, k)
		}
		s.evalStep = s.Step
	}
	e := s.evalFns[key]
	if e == nil {
		e = build()
		s.evalFns[key] = e
	}
	return e
}

// filled is n copies of v.
func filled(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
