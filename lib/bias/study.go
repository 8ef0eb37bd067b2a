package bias

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/runlog"
	"github.com/gocmt/cmt/lib/solver"
)

// studyConfig is the command line of Study.
type studyConfig struct {
	out, figures, set, mids string
	seed                    int64
	quick, replot           bool
	t, q                    float64
	n, batch, profileN      int
	jLo, jHi                int
	extraNodes              string
}

func parseStudy(args []string, stderr io.Writer) (*studyConfig, error) {
	fs := flag.NewFlagSet("bias", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &studyConfig{}
	fs.StringVar(&c.out, "out", "", "run directory: trained checkpoints and summary.json (default runs/bias, -quick: runs/bias-quick)")
	fs.StringVar(&c.figures, "figures", "", "directory for the PNG figures (default figures, -quick: <out>/figures)")
	fs.StringVar(&c.set, "set", "", "overrides of the toy2d preset, key=value,... (keys as in the spine's preset.json)")
	fs.StringVar(&c.mids, "mids", "", "CMT mid-training lengths in steps, comma-separated (default 100,400,<mid.steps>; -quick: 100,<mid.steps>)")
	fs.Int64Var(&c.seed, "seed", 1, "random seed (training and samples)")
	fs.BoolVar(&c.replot, "replot", false, "only redraw the figures and the table from <out>/summary.json")
	fs.BoolVar(&c.quick, "quick", false, "a ~1 minute version: shorter pre-training (1000 steps) and mid-training (300), 4096 samples, 6 Δt")
	fs.Float64Var(&c.t, "t", 0.4, "the fixed time t of the comparison (0.4 is node 8 of the 16-step CMT grid 80 → 0.002)")
	fs.Float64Var(&c.q, "q", 1024, "the spine's Δt ratio q (ρ_spine = (1 + 8·sigmoid(−t))/q)")
	fs.IntVar(&c.n, "n", 0, "Monte Carlo samples (default 16384, -quick 4096)")
	fs.IntVar(&c.batch, "batch", 0, "samples per batch; N/batch batches give the standard errors (default N/8)")
	fs.IntVar(&c.profileN, "profile-n", 2048, "samples per time for the ε(t) profile")
	fs.StringVar(&c.extraNodes, "extra-nodes", "6,7.5,10", "further times as positions on the CMT grid (6: t = 1.50, 7.5: t = 0.557, between nodes 7 and 8, 10: t = 0.106), measured at the spine's Δt only with N/4 samples; \"\" for none")
	fs.IntVar(&c.jLo, "jlo", 0, "Δt grid: ρ = ρ_spine·2^j for j = jlo … jhi (default −2 … 6; -quick −1 … 4)")
	fs.IntVar(&c.jHi, "jhi", 0, "see -jlo")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	def := func(v *int, full, quick int) {
		if *v == 0 {
			*v = full
			if c.quick {
				*v = quick
			}
		}
	}
	def(&c.n, 16384, 4096)
	def(&c.batch, c.n/8, c.n/8)
	if c.jLo == 0 && c.jHi == 0 {
		c.jLo, c.jHi = -2, 6
		if c.quick {
			c.jLo, c.jHi = -1, 4
		}
	}
	if c.jHi-c.jLo < 2 {
		return nil, fmt.Errorf("-jlo %d -jhi %d: need at least 3 Δt values", c.jLo, c.jHi)
	}
	if c.out == "" {
		c.out = filepath.Join("runs", map[bool]string{false: "bias", true: "bias-quick"}[c.quick])
	}
	if c.figures == "" {
		c.figures = "figures"
		if c.quick {
			c.figures = filepath.Join(c.out, "figures")
		}
	}
	return c, nil
}

// Study is the analysis of make bias, configured by its command-line flags (experiments/bias is that command;
// notebook 05 calls Study in-process). It measures the gradient bias of consistency post-training surrogates
// against an exact oracle, for several initialisations (CMT after several mid-training lengths, the diffusion teacher, random weights), on the
// analytic 8-Gaussian mixture whose flow map is known to solver precision:
//
//	go run ./experiments/bias            # ≈ 4 min on 2 cores: runs/bias/summary.json, figures/bias_*.png
//	go run ./experiments/bias -quick     # ≈ 1 min, smaller everything: runs/bias-quick/, runs/bias-quick/figures/
//
// What is compared (the rest of this package has the definitions): at a fixed time t, the oracle consistency loss
// L*(θ) = E_{x_t ~ p_t} ‖f_θ(x_t, t) − Ψ_{t→σ_min}(x_t)‖² (squared ℓ2, uniform weight) and its gradient ∇L*(θ);
// each surrogate's expected stop-gradient gradient E[ĝ] with target f_θ(x̃_r, r), r = t(1 − ρ), for ρ on a log
// grid around the spine's ρ = q⁻¹(1 + 8·sigmoid(−t)), q = 1024; bias = ‖E[ĝ] − ∇L*‖. Trained weights come from
// the spine's own stages (lib/pipeline, preset toy2d): their checkpoints under -out are reused by reruns.
// The text report goes to stdout, progress to stderr.
func Study(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	c, err := parseStudy(args, stderr)
	if err != nil {
		return err
	}
	if c.replot {
		return replot(c, stdout)
	}
	p, err := pipeline.Lookup("toy2d")
	if err != nil {
		return err
	}
	// The analysis and its README numbers were measured on the first toy2d backbone (time-embedding frequencies
	// up to 32 rad); toy2d now uses 0.5–2 rad (faster ECT, issue 16). Pinned until the analysis is re-measured;
	// -set mlp.freq_max=2 runs it on the new backbone.
	p.MLPFreqMax = 32
	if c.quick {
		p.PreSteps, p.MidSteps = 1000, 300
	}
	if err := p.Set(c.set); err != nil {
		return err
	}
	if p.Data != "gmm8" {
		return errors.New("the oracle needs the analytic mixture: data must be gmm8")
	}
	mids, err := parseMids(c.mids, p.MidSteps, c.quick)
	if err != nil {
		return err
	}
	b, err := backend.New(stderr)
	if err != nil {
		return err
	}
	stamp := func(what string) { fmt.Fprintf(stderr, "[%5.0f s] %s\n", time.Since(start).Seconds(), what) }

	// 1. Trained initialisations from the spine's stages.
	stamp("training (or resuming) the teacher and the CMT students")
	tr, err := trainInits(ctx, p, c.out, c.seed, b, mids, stderr)
	if err != nil {
		return fmt.Errorf("%w\n(checkpoints under %s are kept: rerun to resume)", err, c.out)
	}
	inits, err := tr.inits(b, mids, c.seed)
	if err != nil {
		return err
	}
	gmm := tr.Teacher.GMM

	// 2. The oracle and its checks.
	stamp("oracle convergence checks")
	o, err := NewOracle(gmm, DefaultStep)
	if err != nil {
		return err
	}
	s := &Summary{Backend: b.Name(), Seed: c.seed, Quick: c.quick, T: c.t, Q: c.q, SpineRho: SpineRho(c.t, c.q),
		Distance: "squared l2, uniform weight", N: c.n, Batch: c.batch}
	s.SpineDt = s.SpineRho * c.t
	s.Oracle.Step = o.Step
	steps := []float64{4 * o.Step, 2 * o.Step, o.Step}
	if s.Oracle.Convergence, err = Convergence(gmm, steps, o.Step/8, p.SigmaMax, p.SigmaMin, 256, uint64(c.seed)); err != nil {
		return err
	}
	if s.Oracle.GaussianMaxErr, err = GaussianCheck([]float64{0.3, -0.2}, 0.5, o.Step, p.SigmaMax, p.SigmaMin, 256, uint64(c.seed)); err != nil {
		return err
	}

	// 3. The network-independent samples.
	spineLevel := -c.jLo
	for j := c.jLo; j <= c.jHi; j++ {
		s.Rhos = append(s.Rhos, s.SpineRho*math.Pow(2, float64(j)))
	}
	stamp(fmt.Sprintf("oracle flows for %d samples × %d Δt", c.n, len(s.Rhos)))
	set, err := NewSet(o, gmm, SetConfig{T: c.t, Rhos: s.Rhos, N: c.n, Batch: c.batch, SigmaMin: p.SigmaMin, Seed: uint64(c.seed)})
	if err != nil {
		return err
	}
	for _, lv := range set.Levels {
		s.Dts = append(s.Dts, lv.Dt)
		s.Oracle.MaxClosure = math.Max(s.Oracle.MaxClosure, lv.Closure)
	}
	teachers := []Teacher{{Name: "exact", D: solver.DenoiserFunc(func(x []float64, _ int, t float64) []float64 { return o.Denoise(x, t) })},
		{Name: "trained", D: solver.DenoiserFunc(tr.Teacher.Teacher.EMAFunc())}}
	var cset *CMTSet
	if onGrid(c.t, p) {
		stamp("CMT trajectories (exact and trained teacher) and their oracle")
		if cset, err = NewCMTSet(o, gmm, teachers, solve(p, gmm.Dim()), c.t, p.SigmaMax, p.SigmaMin, c.n, c.batch, uint64(c.seed)+1); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stderr, "t = %g is not a node of the CMT solver grid: the CMT loss is not measured\n", c.t)
	}
	grid := solver.LogSNRGrid(p.SigmaMax, p.SigmaMin, p.SolverSteps)
	for k := 0; k+1 < len(grid); k++ { // the grid's nodes and the geometric midpoints between them
		s.ProfileTimes = append(s.ProfileTimes, grid[k], math.Sqrt(grid[k]*grid[k+1]))
	}
	extra, nodes, err := extraSets(c, o, gmm, grid, p.SigmaMin)
	if err != nil {
		return err
	}
	prof, err := NewProfile(o, gmm, s.ProfileTimes, p.SigmaMin, c.profileN, uint64(c.seed)+2)
	if err != nil {
		return err
	}

	// 4. Every initialisation on the same samples.
	for _, in := range inits {
		if err := ctx.Err(); err != nil {
			return err
		}
		stamp("gradients of " + in.Net.Name)
		res, err := Analyse(in.Net, set, Options{PairTerms: true, Posterior: in.Kind == "diffusion"})
		if err != nil {
			return err
		}
		rep := InitReport{Init: in.Net.Name, Kind: in.Kind, MidSteps: in.MidSteps, Eps: res.Eps, Loss: res.Loss, Grad: res.Grad,
			Rows: res.Rows, Fits: fits(res, len(s.Rhos))}
		if cset != nil {
			cr, err := AnalyseCMT(in.Net, cset)
			if err != nil {
				return err
			}
			rep.CMT = cr.Rows
			if in.Kind == "cmt" && in.MidSteps == p.MidSteps {
				d := make([]float64, len(cr.GradMean))
				for i := range d {
					d[i] = cr.GradMean[i] - res.GradSet[i]
				}
				se := math.Hypot(res.Grad.SE, cr.Grad.SE)
				dn := math.Sqrt(dot(d, d))
				s.OracleCheck = OracleCheck{Init: in.Net.Name, DiffNorm: dn, SE: se, GradNorm: res.Grad.Norm, WithinSE3: dn <= 3*se}
			}
		}
		if rep.EpsProfile, err = prof.Eps(in.Net); err != nil {
			return err
		}
		for k, es := range extra {
			r, err := Analyse(in.Net, es, Options{})
			if err != nil {
				return err
			}
			s.ByT = appendByT(s.ByT, k, nodes[k], es, in.Net.Name, r)
		}
		in.Net.Close()
		s.Inits = append(s.Inits, rep)
	}

	// 5. Headline numbers, figures, summary.
	s.SpineInit = fmt.Sprintf("cmt-%d", p.MidSteps)
	var spine, diff *InitReport
	for i := range s.Inits {
		switch {
		case s.Inits[i].Init == s.SpineInit:
			spine = &s.Inits[i]
		case s.Inits[i].Kind == "diffusion":
			diff = &s.Inits[i]
		}
	}
	if spine == nil || diff == nil {
		return fmt.Errorf("the spine's CMT init (%s) and the diffusion init are both needed", s.SpineInit)
	}
	s.SlopeCMT, s.SlopeCMTSE = spine.Fits["ect"].Slope, spine.Fits["ect"].SE
	s.SlopeDiffusion, s.SlopeDiffusionSE = diff.Fits["ect"].Slope, diff.Fits["ect"].SE
	bc, bd := spine.Rows[spineLevel*len(Pairs)].Bias, diff.Rows[spineLevel*len(Pairs)].Bias
	s.BiasRatio, s.BiasRatioSE = bd.Norm/bc.Norm, ratioSE(bd.Norm, bd.SE, bc.Norm, bc.SE)
	finishByT(s.ByT, s.SpineInit)
	written, err := figures(c.figures, s, spineLevel)
	if err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	s.WallSeconds = time.Since(start).Seconds()
	path := filepath.Join(c.out, "summary.json")
	if err := runlog.WriteJSONAtomic(path, s); err != nil {
		return err
	}
	fmt.Fprint(stdout, s.Table(spineLevel))
	fmt.Fprintf(stdout, "wrote %s and %s\n", path, strings.Join(written, ", "))
	return nil
}

// replot redraws the figures and prints the table from a finished run's summary.json.
func replot(c *studyConfig, stdout io.Writer) error {
	path := filepath.Join(c.out, "summary.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	spineLevel := -1
	for j, r := range s.Rhos {
		if math.Abs(r-s.SpineRho) <= 1e-12*r {
			spineLevel = j
		}
	}
	if spineLevel < 0 {
		return fmt.Errorf("%s: the spine's Δt/t %g is not on the grid", path, s.SpineRho)
	}
	written, err := figures(c.figures, &s, spineLevel)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, s.Table(spineLevel))
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(written, ", "))
	return nil
}

// parseMids reads -mids; the default always includes the spine's own length.
func parseMids(s string, spine int, quick bool) ([]int, error) {
	if s == "" {
		if quick {
			return []int{100, spine}, nil
		}
		return []int{100, 400, spine}, nil
	}
	var out []int
	has := false
	for _, f := range strings.Split(s, ",") {
		m, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || m < 1 {
			return nil, fmt.Errorf("-mids %q: want positive step counts", s)
		}
		out = append(out, m)
		has = has || m == spine
	}
	if !has {
		return nil, fmt.Errorf("-mids %q must include the spine's mid.steps = %d (the headline CMT init)", s, spine)
	}
	return out, nil
}

// onGrid reports whether t is a node of the spine's CMT solver grid.
func onGrid(t float64, p pipeline.Preset) bool {
	for _, g := range solver.LogSNRGrid(p.SigmaMax, p.SigmaMin, p.SolverSteps) {
		if math.Abs(g-t) <= 1e-9*t {
			return true
		}
	}
	return false
}
