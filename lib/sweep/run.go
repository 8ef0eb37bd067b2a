package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"syscall"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/runlog"
	"github.com/gomlx/compute"
)

// RunDir is where one variant's run on one seed lives: dir/<variant>/s<seed>.
func RunDir(dir string, v Variant, seed int64) string {
	return filepath.Join(dir, v.Name, fmt.Sprintf("s%d", seed))
}

// Run runs every variant × seed of the spec that has no summary.json yet, in order, each in RunDir with its
// log in run.log there; a run interrupted before (killed, or ctx cancelled) resumes from its checkpoints. Every
// variant's settings are checked before any run starts. status gets one line per run. Several processes may run
// the same spec at once: a run another process holds (its folder's lock) is skipped, so they share the work
// (seeds first: each seed's teacher is trained once); run again once they are done for the complete set.
func Run(ctx context.Context, s Spec, dir string, b compute.Backend, status io.Writer) error {
	presets := make([]pipeline.Preset, len(s.Variants))
	for i, v := range s.Variants {
		p, err := pipeline.Lookup(s.Preset)
		if err != nil {
			return err
		}
		if err := p.Set(s.Overrides(v)); err != nil {
			return fmt.Errorf("variant %s: %w", v.Name, err)
		}
		presets[i] = p
	}
	total, n, skipped := len(s.Variants)*len(s.Seeds), 0, 0
	for _, seed := range s.Seeds {
		for i, v := range s.Variants {
			n++
			out := RunDir(dir, v, seed)
			done, stale, err := finishedWith(out, presets[i])
			if err != nil {
				return err
			}
			if stale != "" {
				fmt.Fprintf(status, "[%d/%d] %s seed %d: settings changed since its run; the old run is kept in %s\n", n, total, v.Name, seed, stale)
			}
			if done {
				fmt.Fprintf(status, "[%d/%d] %s seed %d: done before\n", n, total, v.Name, seed)
				continue
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			logf, err := os.OpenFile(filepath.Join(out, "run.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return err
			}
			t0 := time.Now()
			fmt.Fprintf(status, "[%d/%d] %s seed %d ... ", n, total, v.Name, seed)
			r, err := pipeline.New(presets[i], pipeline.Options{Out: out, Figures: filepath.Join(out, "figures"), Seed: seed, Backend: b, Log: logf})
			if err == nil {
				err = share(r, s, dir, seed, stale)
			}
			if err == nil {
				err = r.All(ctx)
			}
			logf.Close()
			if errors.Is(err, pipeline.ErrInUse) {
				fmt.Fprintln(status, "running in another process: skipped")
				skipped++
				continue
			}
			if err != nil {
				fmt.Fprintln(status, "failed")
				return fmt.Errorf("variant %s seed %d: %w (log: %s; rerun to resume)", v.Name, seed, err, filepath.Join(out, "run.log"))
			}
			fmt.Fprintf(status, "%.0f s\n", time.Since(t0).Seconds())
		}
	}
	if skipped > 0 {
		return fmt.Errorf("%d runs were in use by other processes: run the sweep again once they finish, for the whole set: %w", skipped, pipeline.ErrInUse)
	}
	return nil
}

// finishedWith reports whether the run folder holds a finished run (summary.json) of exactly these settings. A
// finished run of other settings (the preset or the sweep file changed since) is moved aside to out.stale-N,
// never deleted (stale names it), and the run starts again; a summary that cannot be read is an error naming
// the file.
func finishedWith(out string, p pipeline.Preset) (done bool, stale string, err error) {
	path := filepath.Join(out, "summary.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	var s struct {
		Resolved json.RawMessage `json:"resolved_preset"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return false, "", fmt.Errorf("%s: %w (move the folder away to run it again)", path, err)
	}
	want, _ := json.Marshal(p)
	var a, c any
	_ = json.Unmarshal(s.Resolved, &a)
	_ = json.Unmarshal(want, &c)
	if reflect.DeepEqual(a, c) {
		return true, "", nil
	}
	for k := 1; ; k++ {
		stale = fmt.Sprintf("%s.stale-%d", out, k)
		if _, err := os.Stat(stale); errors.Is(err, os.ErrNotExist) {
			return false, stale, os.Rename(out, stale)
		}
	}
}

// RunAll runs every spec into its folder under dir(spec), on the default backend, stopping cleanly on SIGINT or
// SIGTERM (the runs resume on the next call).
func RunAll(specs []Spec, dir func(Spec) string, status io.Writer) error {
	b, err := backend.New(os.Stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, s := range specs {
		if err := Run(ctx, s, dir(s), b, status); err != nil {
			return err
		}
	}
	return nil
}

// SharedFile records, in a run's folder, which stages it took from which run: {"pretrain": "<run dir>", ...}.
const SharedFile = "shared_from.json"

// share gives run r the finished checkpoints of its shared stages (pre- and mid-training) from another variant's
// run on the same seed, from the same seed's run in the spec's Share folders, or from the more folders, whose checkpoint carries exactly the settings fingerprint r
// would write: the pipeline then resumes them at their last step instead of training them again. Only finished
// checkpoints are taken.
func share(r *pipeline.Run, s Spec, dir string, seed int64, more ...string) error {
	from := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(r.O.Out, SharedFile)); err == nil {
		if err := json.Unmarshal(b, &from); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(r.O.Out, SharedFile), err)
		}
	}
	var donors []string
	for _, u := range s.Variants {
		donors = append(donors, RunDir(dir, u, seed))
	}
	for _, f := range s.Share { // other sweeps' runs on this seed
		donors = append(donors, filepath.Join(f, fmt.Sprintf("s%d", seed)))
	}
	donors = append(donors, more...) // e.g. this run's own earlier folder, kept aside after a settings change
	adopted, err := r.AdoptFinished(donors)
	for stage, donor := range adopted {
		from[stage] = donor
	}
	if err != nil {
		return fmt.Errorf("sharing a finished stage: %w", err)
	}
	if len(from) == 0 {
		return nil
	}
	return runlog.WriteJSONAtomic(filepath.Join(r.O.Out, SharedFile), from)
}

// Result is one post-training run of one variant on one seed, as read from its summary.json.
type Result struct {
	Variant string       `json:"variant"`
	Set     string       `json:"set"`
	Seed    int64        `json:"seed"`
	Init    string       `json:"init"`
	Method  string       `json:"method"`
	Steps   int          `json:"steps"`
	Final1  float64      `json:"final_energy_1step"` // mean of the last FinalEvals evaluations
	Final2  float64      `json:"final_energy_2step"`
	Start1  float64      `json:"start_energy_1step"`
	Curve   [][4]float64 `json:"curve"` // [step, energy_1step, energy_2step, fd_1step]
	Teacher float64      `json:"teacher_energy"`
	Floor   float64      `json:"noise_floor_energy"`
	Seconds float64      `json:"wall_seconds"` // the whole run (all its stages and inits)
	// Estimator is the energy distance estimator of every energy here: v (V-statistic) or u (U-statistic).
	Estimator string `json:"energy_estimator"`
	// Student is the run's mid-trained student as it left mid-training, 1- and 2-step energy (2 steps through
	// its own t_mid); nil for runs that predate it.
	Student *[2]float64 `json:"student_energy,omitempty"`
}

// FinalEvals is how many of the last evaluations make a run's final value (single points swing between evaluations).
const FinalEvals = 3

// Collect reads the runs' summary.json files; runs not finished yet are skipped.
func Collect(s Spec, dir string) ([]Result, error) {
	var out []Result
	for _, v := range s.Variants {
		for _, seed := range s.Seeds {
			b, err := os.ReadFile(filepath.Join(RunDir(dir, v, seed), "summary.json"))
			if errors.Is(err, os.ErrNotExist) {
				continue
			} else if err != nil {
				return nil, err
			}
			var sum pipeline.Summary
			if err := json.Unmarshal(b, &sum); err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(RunDir(dir, v, seed), "summary.json"), err)
			}
			for _, row := range sum.Posttrain {
				res := Result{Variant: v.Name, Set: s.Overrides(v), Seed: seed, Init: row.Init, Method: row.Method,
					Steps: row.Steps, Curve: row.Curve, Floor: sum.NoiseFloor.Energy, Seconds: sum.WallSeconds,
					Estimator: sum.Resolved.EnergyEstimator()}
				if sum.Teacher != nil {
					res.Teacher = sum.Teacher.Samples.Energy
				}
				if fid := sum.NoiseFloor.FID; fid != nil { // image runs: every score is a FID
					res.Estimator, res.Floor = pipeline.MetricFID, *fid
					if sum.Teacher != nil && sum.Teacher.Samples.FID != nil {
						res.Teacher = *sum.Teacher.Samples.FID
					}
				}
				if len(row.Curve) > 0 {
					res.Start1 = row.Curve[0][1]
				}
				res.Final1, res.Final2 = lastMean(row.Curve, 1), lastMean(row.Curve, 2)
				if st := sum.Student; st != nil {
					res.Student = &[2]float64{st.One.Energy, st.Two.Energy}
					if st.One.FID != nil {
						res.Student = &[2]float64{*st.One.FID, *st.Two.FID}
					}
				}
				out = append(out, res)
			}
		}
	}
	return out, nil
}

// lastMean is the mean of column col over the last FinalEvals points of a curve.
func lastMean(curve [][4]float64, col int) float64 {
	k := min(FinalEvals, len(curve))
	var s float64
	for _, c := range curve[len(curve)-k:] {
		s += c[col]
	}
	return s / float64(k)
}
