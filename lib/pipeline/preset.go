package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/solver"
)

// Preset is the documented set of hyperparameters of a run, grouped by stage: one embedded struct per stage and
// per objective, so the keys of one concern sit together. Their json names are the keys (flat, e.g. post.q):
// Set("key=value;key2=value2") overrides them, preset.json and summary.json record them.
type Preset struct {
	Name    string `json:"preset"`
	Data    string `json:"data"`               // gmm8 | moons | checkerboard | spirals | mnist | cifar10
	DataDir string `json:"data.dir,omitempty"` // cifar10: the cifar-10-batches-bin directory ("" = $CMT_CIFAR10_DIR); mnist: "" = the GoMNIST module

	TimeConvention
	Backbone
	Pretraining
	Midtraining
	MidtrainingMF
	Posttraining
	ECTSettings
	MeanFlowSettings
	ICTSettings
	Evaluation
}

// TimeConvention is EDM's time convention (x_t = x₀ + t·ε) and preconditioning.
type TimeConvention struct {
	SigmaData float64 `json:"sigma_data"` // σ_d
	SigmaMin  float64 `json:"sigma_min"`  // t_min = σ_min
	SigmaMax  float64 `json:"sigma_max"`  // T
	// SkipGate: a learned per-coordinate gate on the preconditioning's skip connection (nets.EDM.Gate).
	SkipGate bool `json:"edm.skip_gate,omitempty"`
}

// Backbone: mlp (2D data; hidden, layers), dit (images on CPU: a transformer over patches) or unet (DDPM++,
// images on XLA/GPU, where convolutions compile well).
type Backbone struct {
	Net    string `json:"net,omitempty"` // "" = mlp
	Hidden int    `json:"hidden"`
	Layers int    `json:"layers"`
	// MLP time embedding and initialisation (nets.MLP; zero values keep the original backbone): where the
	// embedding enters (layers | input), its frequencies (count, range, geometric | linear spacing) and a scale on
	// the first layer's x weights at initialisation.
	MLPEmbed       string  `json:"mlp.embed,omitempty"`
	MLPFreqs       int     `json:"mlp.freqs,omitempty"`
	MLPFreqMin     float64 `json:"mlp.freq_min,omitempty"`
	MLPFreqMax     float64 `json:"mlp.freq_max,omitempty"`
	MLPFreqSpacing string  `json:"mlp.freq_spacing,omitempty"`
	MLPXScale      float64 `json:"mlp.x_scale,omitempty"`
	MLPInit        string  `json:"mlp.init,omitempty"` // he ("" too) | torch
	DiTPatch       int     `json:"dit.patch,omitempty"`
	DiTHidden      int     `json:"dit.hidden,omitempty"`
	DiTDepth       int     `json:"dit.depth,omitempty"`
	DiTHeads       int     `json:"dit.heads,omitempty"`
	// U-Net (nets.UNet, net=unet): zero values keep the CIFAR-10 DDPM++ settings (nets.CIFAR10UNet: 128 channels,
	// multipliers 2,2,2, 4 blocks per level, attention at 16, dropout 0.2); unet.dropout < 0 turns dropout off.
	UNetChannels int     `json:"unet.channels,omitempty"`
	UNetMult     string  `json:"unet.mult,omitempty"`   // channel multiplier per level, comma-separated, e.g. 1,2,2
	UNetBlocks   int     `json:"unet.blocks,omitempty"` // residual blocks per level (encoder)
	UNetAttn     string  `json:"unet.attn,omitempty"`   // resolutions (image heights) with self-attention, e.g. 7; "none"
	UNetDropout  float64 `json:"unet.dropout,omitempty"`
	Devices      int     `json:"train.devices,omitempty"` // data-parallel devices per training step (0, 1 = one device)
}

// Pretraining is stage 1, the teacher (EDM, or flow matching with pre.objective = fm).
type Pretraining struct {
	PreSteps int     `json:"pre.steps"`
	PreBatch int     `json:"pre.batch"`
	PreLR    float64 `json:"pre.lr"`
	PreSched string  `json:"pre.lr_schedule,omitempty"` // constant ("" too) | linear (decay to 0)
	PreEMA   float64 `json:"pre.ema"`
	PMean    float64 `json:"pre.p_mean"`
	PStd     float64 `json:"pre.p_std"`
	// PUniform mixes a log-uniform law on [sigma_min, sigma_max] into EDM's lognormal ln σ with this probability
	// (diffusion.EDMLoss.Uniform): it trains the large σ where the solver starts. 0 = the lognormal only.
	PUniform     float64 `json:"pre.p_uniform,omitempty"`
	PreObjective string  `json:"pre.objective,omitempty"` // edm (default) | fm (flow matching; only with post.method meanflow or lmd)
}

// Midtraining is stage 2, CMT: the teacher's solver and the pairs' regression.
type Midtraining struct {
	Solver      string `json:"mid.solver"`       // solver.Methods: dpm3 | dpm2 | dpm1 | dpm3-taylor | heun | euler
	SolverSteps int    `json:"mid.solver_steps"` // M (16 in the paper)
	// SolverTEnd, if above sigma_min, stops the teacher's solver at that noise level and ends every trajectory with
	// one denoising jump to the clean end, D(x, t_end) (solver.Trajectory.DenoiseTo): for a teacher whose denoiser
	// leaves pixel noise at small σ. 0 = integrate down to sigma_min (the paper's).
	SolverTEnd   float64 `json:"mid.solver_t_end,omitempty"`
	Trajectories int     `json:"mid.trajectories"` // teacher solves in the pair pool
	MidSteps     int     `json:"mid.steps"`
	MidBatch     int     `json:"mid.batch"` // pairs per step
	MidLR        float64 `json:"mid.lr"`
	MidEMA       float64 `json:"mid.ema"`
	MidDistance  string  `json:"mid.distance"` // l2sq | l2 | huber
	MidHuberC    float64 `json:"mid.huber_c"`
	MidPairs     string  `json:"mid.pairs"` // all (every trajectory point; "" means all) | endpoint (only x_T → x̂₀, ablation)
}

// MidtrainingMF are CMT-MF's own keys (the flow-map road; mid.solver, mid.trajectories, mid.steps … are shared).
type MidtrainingMF struct {
	MFPairs string  `json:"mid.mf_pairs,omitempty"`    // CMT-MF pairs (i > j): all (uniform over pairs) | end (t_j = 0 only)
	MFSpace string  `json:"mid.mf_space,omitempty"`    // CMT-MF loss: velocity (the paper's) | map ((t_i−t_j)²-weighted)
	MFDiag  float64 `json:"mid.mf_diag,omitempty"`     // fraction of CMT-MF pairs on the diagonal (teacher velocity target)
	MFGrids int     `json:"mid.grid_shifts,omitempty"` // CMT-MF pair pool solved on this many shifted log-SNR grids (1 = one grid)
}

// Posttraining is stage 3, from each initialisation: the optimiser, the method and the per-init recipes.
type Posttraining struct {
	Inits        string  `json:"post.inits"`            // comma-separated subset of cmt,diffusion,scratch
	PostMethod   string  `json:"post.method,omitempty"` // ect (default) | ict | meanflow | lmd (PostMethods)
	PostSteps    int     `json:"post.steps"`
	PostBatch    int     `json:"post.batch"`
	PostLR       float64 `json:"post.lr"`
	PostEMA      float64 `json:"post.ema"`
	PostSchedule string  `json:"post.lr_schedule"`     // constant | linear (decay to 0)
	PostBeta2    float64 `json:"post.beta2,omitempty"` // Adam β₂ of post-training (0 → 0.999)

	// Per-initialisation post-training recipes: space-separated post.* overrides applied when post-training from
	// that init, e.g. "post.lr=1e-3 post.q=64" (each init's baseline tuned as hard as the others, issue 11), and
	// eval.t_mid, the 2-step sampler's intermediate time chosen for that init's models.
	RecipeCMT       string `json:"post.recipe.cmt,omitempty"`
	RecipeDiffusion string `json:"post.recipe.diffusion,omitempty"`
	RecipeScratch   string `json:"post.recipe.scratch,omitempty"`
}

// ECTSettings are ECT's (and ECD's) keys.
type ECTSettings struct {
	Q            float64 `json:"post.q"`            // Δt ratio q
	DoubleEvery  int     `json:"post.double_every"` // 0: fixed q
	PostDistance string  `json:"post.distance"`
	PostHuberC   float64 `json:"post.huber_c"`
	ECTPMean     float64 `json:"post.p_mean"` // ln t ~ N(p_mean, p_std²) (iCT's index law too)
	ECTPStd      float64 `json:"post.p_std"`
	ECD          string  `json:"post.ecd"` // "" (ECT) | euler | heun (teacher step for x_r)
}

// MeanFlowSettings are MeanFlow's and LMD's keys. The flow-map pipeline (toy2d-mf) runs on flow-matching time
// t ∈ [0, 1] (z_t = (1−t)x₀ + tε): a flow-matching teacher, CMT for the general map h(x, t, s), then MeanFlow or
// Lagrangian map distillation (LMD). sigma_max/sigma_min still set the teacher solver's EDM grid (t = σ/(1+σ));
// pre.p_mean/pre.p_std are then the logit-normal law of t.
type MeanFlowSettings struct {
	MFTMean float64 `json:"post.t_mean,omitempty"` // t = sigmoid(N(t_mean, t_std²))
	MFTStd  float64 `json:"post.t_std,omitempty"`
	MFRMean float64 `json:"post.r_mean,omitempty"` // r = sigmoid(N(r_mean, r_std²)), then ordered with t
	MFRStd  float64 `json:"post.r_std,omitempty"`
	MFRatio float64 `json:"post.ratio,omitempty"`      // fraction of (t, r) draws with r ≠ t
	MFOrder string  `json:"post.tr_order,omitempty"`   // v0 (paper: max/min, then r = t mask) | v1 (mask, then r = min(t, r))
	MFP     float64 `json:"post.adaptive_p,omitempty"` // adaptive weight ℓ/sg(ℓ + c)^p
	MFC     float64 `json:"post.adaptive_c,omitempty"`
	MFJVP   string  `json:"post.jvp,omitempty"`    // exact (double VJP) | fd (central finite difference)
	MFFDEps float64 `json:"post.fd_eps,omitempty"` // finite-difference step (post.jvp=fd)
}

// ICTSettings are iCT's curriculum (post.method=ict).
type ICTSettings struct {
	ICTS0 int `json:"post.ict_s0,omitempty"` // grid intervals at the start (0 → 10)
	ICTS1 int `json:"post.ict_s1,omitempty"` // and at most (0 → 1280)
}

// Curriculum is iCT's (s₀, s₁) with the defaults filled in.
func (c ICTSettings) Curriculum() (s0, s1 int) {
	s0, s1 = c.ICTS0, c.ICTS1
	if s0 == 0 {
		s0 = 10
	}
	if s1 == 0 {
		s1 = 1280
	}
	return s0, s1
}

// Evaluation are the evaluation keys.
type Evaluation struct {
	EvalEvery   int     `json:"eval.every"`   // post-training steps between evaluations (and checkpoints)
	EvalSamples int     `json:"eval.samples"` // samples per evaluation (≥ 5000)
	TMid        float64 `json:"eval.t_mid"`   // 2-step sampler's intermediate time
	// TMidStudent is the 2-step t_mid of the mid-trained student scored as it leaves mid-training (the "no
	// post-training" pipeline: a model of its own, with its own t_mid); 0 = the cmt recipe's t_mid.
	TMidStudent float64 `json:"eval.t_mid_student,omitempty"`
	SW2Proj     int     `json:"eval.sw2_proj"`
	// Teacher curve: every EvalPreEvery pre-training steps (0: never) the teacher's EMA weights are sampled with the
	// configured solver (EvalPreSamples samples; 0 → 1000) and scored, against the training wall time so far
	// (summary teacher.curve, figure <preset>_teacher.png). Evaluation keys: the teacher's weights do not change.
	EvalPreEvery   int `json:"eval.pre_every,omitempty"`
	EvalPreSamples int `json:"eval.pre_samples,omitempty"`
	// Energy distance estimator of the Energy metric: v (the biased V-statistic, metrics.EnergyDistance; "" too)
	// or u (the unbiased U-statistic, metrics.EnergyDistanceU: expectation 0 for equal laws, so it can be < 0).
	EvalEnergy string `json:"eval.energy,omitempty"`
	// Image data: FID replaces the 2D metrics. MNIST uses the LeNet features of lib/fid (weights committed);
	// CIFAR-10 uses Inception-v3 with weights from eval.inception (see lib/fid) and the reference statistics cached
	// in eval.fid_ref ("" = <run>/fid_ref.json), computed from the training set when missing.
	Inception string `json:"eval.inception,omitempty"`
	FIDRef    string `json:"eval.fid_ref,omitempty"`
}

// Presets are the named configurations.
var Presets = map[string]Preset{
	"toy2d":         toy2d,
	"toy2d-mf":      toy2dMF,
	"toy2d-checker": toy2dChecker,
	"mnist-quick":   mnistQuick,
	"mnist-gpu":     mnistGPU,
	"cifar10":       cifar10,
}

// toy2d is the default: 8 Gaussians, EDM teacher → CMT → ECT from each init (make run).
var toy2d = Preset{
	Name: "toy2d", Data: "gmm8",
	TimeConvention: TimeConvention{
		SigmaData: 0.5, SigmaMin: 0.002, SigmaMax: 80,
	},
	Backbone: Backbone{
		// Time-embedding frequencies 0.5–2 rad per unit of c_noise: with 0.5–32 (the first backbone) ECT learned
		// 5–30× less in the same steps (experiments/sweeps/backbone.txt; README, "Why the time embedding is smooth").
		Hidden: 128, Layers: 4, MLPFreqMax: 2,
	},
	Pretraining: Pretraining{
		PreSteps: 3000, PreBatch: 512, PreLR: 2e-3, PreEMA: 0.995, PMean: -1.2, PStd: 1.2,
	},
	Midtraining: Midtraining{
		Solver: "dpm3", SolverSteps: 16, Trajectories: 8192, MidSteps: 1500, MidBatch: 512, MidLR: 1e-3, MidEMA: 0.995,
		MidDistance: "l2sq", MidHuberC: 0.03, MidPairs: "all",
	},
	Posttraining: Posttraining{
		// ECT: shared settings (the recipe of the comparison with an independent implementation, issue 16), then
		// each init's own learning rate, schedule and q, chosen on seed 0 (experiments/sweeps/tune-ect.txt: the
		// lowest final 1-step energy over 22 recipes; README, "Fair comparison").
		Inits: "cmt,diffusion,scratch", PostSteps: 3000, PostBatch: 512, PostLR: 2e-4, PostEMA: 0.995, PostSchedule: "constant",
		// Each init's 2-step t_mid: the lowest final 2-step energy over t_mid ∈ {0.1, …, 3.2} on seed 0 with its
		// recipe (experiments/sweeps/tune-tmid.txt): cmt 0.2 (4.6e-4; 0.8 gave 8.9e-4), diffusion 0.2 (5.9e-4;
		// 9.4e-4), scratch 0.4 (9.0e-4; 1.0e-3).
		RecipeCMT:       "post.lr=1e-4 post.lr_schedule=linear eval.t_mid=0.2",
		RecipeDiffusion: "post.lr=1e-3 post.lr_schedule=linear eval.t_mid=0.2",
		RecipeScratch:   "post.lr=1e-3 post.q=64 eval.t_mid=0.4",
	},
	ECTSettings: ECTSettings{
		Q: 16, PostDistance: "l2", PostHuberC: 0.03, ECTPMean: -1.1, ECTPStd: 2.0,
	},
	Evaluation: Evaluation{
		// The CMT student as it leaves mid-training, a model of its own (step 0 of the same runs): 0.4 (5.9e-4;
		// 0.8 gave 6.5e-4, 0.2 1.2e-3).
		TMidStudent: 0.4, EvalEvery: 250, EvalSamples: 5000, TMid: 0.8, SW2Proj: 64,
	},
}

// toy2dMF is the flow-map road on the same data: flow-matching teacher → CMT-MF → MeanFlow from each init.
var toy2dMF = Preset{
	Name: "toy2d-mf", Data: "gmm8",
	TimeConvention: TimeConvention{
		SigmaData: 0.5, SigmaMin: 0.002, SigmaMax: 80,
	},
	Backbone: Backbone{
		Hidden: 128, Layers: 4,
	},
	Pretraining: Pretraining{
		PreObjective: "fm", PreSteps: 3000, PreBatch: 512, PreLR: 2e-3, PreEMA: 0.995, PMean: 0, PStd: 1,
	},
	Midtraining: Midtraining{
		Solver: "dpm3", SolverSteps: 16, Trajectories: 8192, MidSteps: 1500, MidBatch: 512, MidLR: 1e-3, MidEMA: 0.995,
		MidDistance: "l2sq", MidHuberC: 0.03,
	},
	MidtrainingMF: MidtrainingMF{
		MFPairs: "all", MFSpace: "velocity", MFGrids: 8,
	},
	Posttraining: Posttraining{
		// MeanFlow's improved CIFAR-10 recipe (v1 times, ratio 0.75) at lr 1e-3 with linear decay; 2000 steps keep
		// the default run under 5 minutes on 2 cores. Each init's lr and schedule chosen on seed 0
		// (experiments/sweeps/tune-mf.txt: the lowest final 1-step energy over 8 recipes).
		Inits: "cmt,diffusion,scratch", PostMethod: "meanflow", PostSteps: 2000, PostBatch: 512, PostLR: 1e-3,
		PostEMA: 0.995, PostSchedule: "linear",
		// Each init's 2-step t_mid (samples 1 → t_mid → 0), the lowest final 2-step energy over t_mid ∈ {0.2, …,
		// 0.95} on seed 0 (experiments/sweeps/tune-tmid-mf.txt): cmt 0.95 (2.5e-3; 0.5 gave 5.1e-3), diffusion 0.8
		// (3.7e-3; 8.7e-3), scratch 0.95 (7.7e-3; 1.3e-2). Near 1 the second step adds little: here MeanFlow's 2-step
		// samples are no better than its 1-step ones.
		RecipeCMT:       "post.lr=1e-3 post.lr_schedule=linear eval.t_mid=0.95",
		RecipeDiffusion: "post.lr=1e-3 post.lr_schedule=constant eval.t_mid=0.8",
		RecipeScratch:   "post.lr=3e-3 post.lr_schedule=linear eval.t_mid=0.95",
	},
	ECTSettings: ECTSettings{
		Q: 1024, PostDistance: "l2", PostHuberC: 0.03, ECTPMean: -1.1, ECTPStd: 2.0,
	},
	MeanFlowSettings: MeanFlowSettings{
		MFTMean: -0.6, MFTStd: 1.6, MFRMean: -4, MFRStd: 1.6, MFRatio: 0.75, MFOrder: "v1", MFP: 1, MFC: 1e-3,
		MFJVP: "exact", MFFDEps: 1e-3,
	},
	Evaluation: Evaluation{
		EvalEvery: 250, EvalSamples: 5000, TMid: 0.5, SW2Proj: 64,
		// The CMT-MF student as it leaves mid-training: 0.2 (7.9e-4; 0.1 gave 1.1e-3, 0.35 9.3e-4, 0.95 1.4e-3).
		TMidStudent: 0.2,
	},
}

// PresetNames lists the presets.
func PresetNames() []string {
	var n []string
	for k := range Presets {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Lookup returns a named preset.
func Lookup(name string) (Preset, error) {
	p, ok := Presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("unknown preset %q: choose one of %s", name, strings.Join(PresetNames(), ", "))
	}
	return p, nil
}

// Set applies overrides "key=value;key2=value2" (keys are the json names, e.g. post.q=1024); ',' also separates
// settings, a list value keeps its commas ("post.inits=cmt,diffusion;post.q=64"), and "file:path" applies a
// settings file (one key=value per line, # comments).
func (p *Preset) Set(overrides string) error {
	if strings.TrimSpace(overrides) == "" {
		return nil
	}
	v := reflect.ValueOf(p).Elem()
	byKey := map[string][]int{} // key → index path through the embedded stage structs
	var keys []string
	for _, f := range reflect.VisibleFields(v.Type()) {
		if f.Anonymous {
			continue
		}
		k, _, _ := strings.Cut(f.Tag.Get("json"), ",") // drop ",omitempty"
		byKey[k] = f.Index
		keys = append(keys, k)
	}
	for _, kv := range splitSettings(overrides) {
		if path, isFile := strings.CutPrefix(strings.TrimSpace(kv), "file:"); isFile {
			if err := p.setFile(path); err != nil {
				return err
			}
			continue
		}
		k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return fmt.Errorf("-set %q: want key=value", kv)
		}
		i, found := byKey[k]
		if !found {
			return fmt.Errorf("-set: unknown key %q; %s", k, keyHint(k, keys))
		}
		f := v.FieldByIndex(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(val)
		case reflect.Int:
			n, err := strconv.Atoi(val)
			if err != nil {
				return fmt.Errorf("-set %s=%s: not an integer", k, val)
			}
			f.SetInt(int64(n))
		case reflect.Float64:
			x, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return fmt.Errorf("-set %s=%s: not a number", k, val)
			}
			f.SetFloat(x)
		case reflect.Bool:
			b, err := strconv.ParseBool(val)
			if err != nil {
				return fmt.Errorf("-set %s=%s: want true or false", k, val)
			}
			f.SetBool(b)
		default:
			panic(fmt.Sprintf("pipeline: preset key %s has kind %s, which Set does not parse", k, f.Kind()))
		}
	}
	return p.Validate()
}

// setFile applies a settings file: one key=value per line (or several separated by ';'), # starts a comment.
func (p *Preset) setFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("-set file:%s: %w", path, err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		l, _, _ = strings.Cut(l, "#")
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if err := p.Set(strings.Join(lines, ";")); err != nil {
		return fmt.Errorf("-set file:%s: %w", path, err)
	}
	return nil
}

// splitSettings splits "k=v;k2=v2" or "k=v,k2=v2" into settings. Between settings a ';' or a ','; a comma
// followed by text with no '=' continues the previous value, so "post.inits=cmt,diffusion,q=4" keeps the list.
func splitSettings(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' }) {
		for _, kv := range strings.Split(part, ",") {
			cont := !strings.Contains(kv, "=") && !strings.HasPrefix(strings.TrimSpace(kv), "file:")
			if len(out) > 0 && cont && !strings.HasSuffix(out[len(out)-1], ";") {
				out[len(out)-1] += "," + kv
				continue
			}
			out = append(out, kv)
		}
		if len(out) > 0 {
			out[len(out)-1] += ";" // a ';' ends a value: the next part starts a new setting
		}
	}
	for i := range out {
		out[i] = strings.TrimSuffix(out[i], ";")
	}
	return out
}

// Validate checks ranges that would otherwise fail deep inside a run.
func (p *Preset) Validate() error {
	var errs []string
	pos := map[string]float64{"sigma_data": p.SigmaData, "sigma_min": p.SigmaMin, "pre.lr": p.PreLR, "mid.lr": p.MidLR,
		"post.lr": p.PostLR, "post.q": p.Q - 1}
	for k, x := range pos {
		if !(x > 0) {
			errs = append(errs, k+" must be > 0 (post.q > 1)")
		}
	}
	ints := map[string]int{"pre.batch": p.PreBatch, "mid.batch": p.MidBatch,
		"post.batch": p.PostBatch, "mid.solver_steps": p.SolverSteps, "mid.trajectories": p.Trajectories,
		"eval.every": p.EvalEvery, "eval.samples": p.EvalSamples, "eval.sw2_proj": p.SW2Proj}
	for k, x := range ints {
		if x <= 0 {
			errs = append(errs, k+" must be > 0")
		}
	}
	for k, x := range map[string]int{"pre.steps": p.PreSteps, "mid.steps": p.MidSteps, "post.steps": p.PostSteps} {
		if x < 0 {
			errs = append(errs, k+" must be ≥ 0")
		}
	}
	for k, x := range map[string]float64{"pre.ema": p.PreEMA, "mid.ema": p.MidEMA, "post.ema": p.PostEMA} {
		if x < 0 || x >= 1 {
			errs = append(errs, k+" must be in [0, 1)")
		}
	}
	if p.SigmaMax <= p.SigmaMin {
		errs = append(errs, "sigma_max must exceed sigma_min")
	}
	if p.PUniform < 0 || p.PUniform > 1 {
		errs = append(errs, "pre.p_uniform must be in [0, 1] (the share of log-uniform noise levels; 0 = off)")
	}
	if _, err := p.InitList(); err != nil {
		errs = append(errs, err.Error())
	}
	if p.SolverTEnd != 0 && !(p.SolverTEnd > p.SigmaMin && p.SolverTEnd < p.SigmaMax) {
		errs = append(errs, "mid.solver_t_end must be 0 (off) or between sigma_min and sigma_max")
	}
	if p.EvalPreEvery < 0 || p.EvalPreSamples < 0 {
		errs = append(errs, "eval.pre_every and eval.pre_samples must be ≥ 0 (0: no teacher curve; 1000 samples)")
	}
	if p.TMidStudent < 0 {
		errs = append(errs, "eval.t_mid_student must be ≥ 0 (0: the cmt recipe's t_mid)")
	}
	if !slices.Contains(solver.Methods, p.Solver) {
		errs = append(errs, fmt.Sprintf("mid.solver %q: use one of %s", p.Solver, strings.Join(solver.Methods, ", ")))
	}
	if p.MidPairs != "" && p.MidPairs != "all" && p.MidPairs != "endpoint" {
		errs = append(errs, fmt.Sprintf("mid.pairs %q: use all or endpoint", p.MidPairs))
	}
	for k, d := range map[string]string{"mid.distance": p.MidDistance, "post.distance": p.PostDistance} {
		if _, err := distance.Parse(d); err != nil {
			errs = append(errs, k+": "+err.Error())
		}
	}
	if p.EvalEnergy != "" && p.EvalEnergy != "v" && p.EvalEnergy != "u" {
		errs = append(errs, fmt.Sprintf("eval.energy %q: use v (V-statistic) or u (U-statistic)", p.EvalEnergy))
	}
	if p.PreSched != "" && p.PreSched != "constant" && p.PreSched != "linear" {
		errs = append(errs, fmt.Sprintf("pre.lr_schedule %q: use constant or linear", p.PreSched))
	}
	if p.PostSchedule != "constant" && p.PostSchedule != "linear" {
		errs = append(errs, fmt.Sprintf("post.lr_schedule %q: use constant or linear", p.PostSchedule))
	}
	switch p.ECD {
	case "", "euler", "heun":
	default:
		errs = append(errs, fmt.Sprintf("post.ecd %q: use \"\" (ECT), euler or heun", p.ECD))
	}
	errs = append(errs, p.validateFlowMap()...)
	errs = append(errs, p.validateNet()...)
	// The per-init recipes are checked on a valid base preset only: applying one validates the whole preset again,
	// which would repeat the base's errors once per recipe.
	baseValid := len(errs) == 0
	for _, init := range []string{"cmt", "diffusion", "scratch"} {
		if !baseValid || p.recipe(init) == "" {
			continue
		}
		if _, err := p.forInit(init); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("invalid preset: %s", strings.Join(errs, "; "))
	}
	return nil
}

// recipe is the per-init override string of init.
func (p *Preset) recipe(init string) string {
	switch init {
	case "cmt":
		return p.RecipeCMT
	case "diffusion":
		return p.RecipeDiffusion
	case "scratch":
		return p.RecipeScratch
	}
	return ""
}

// ForInit is the preset with init's post-training recipe applied (and no per-init recipes left): what
// post-training from that init runs with. Validate has checked the recipes, so this cannot fail.
func (p Preset) ForInit(init string) Preset {
	q, err := p.forInit(init)
	if err != nil {
		panic(fmt.Sprintf("pipeline: recipe for %s: %v (Validate should have refused it)", init, err))
	}
	return q
}

func (p Preset) forInit(init string) (Preset, error) {
	rec := strings.Fields(p.recipe(init))
	p.RecipeCMT, p.RecipeDiffusion, p.RecipeScratch = "", "", ""
	for _, kv := range rec {
		tmid := strings.HasPrefix(kv, "eval.t_mid=")
		if !tmid && (!strings.HasPrefix(kv, "post.") || strings.HasPrefix(kv, "post.inits=") || strings.HasPrefix(kv, "post.recipe.")) {
			return p, fmt.Errorf("post.recipe.%s: %q: only post.* settings (not post.inits or post.recipe.*) and eval.t_mid", init, kv)
		}
	}
	if len(rec) == 0 {
		return p, nil
	}
	if err := p.Set(strings.Join(rec, ";")); err != nil {
		return p, fmt.Errorf("post.recipe.%s: %w", init, err)
	}
	return p, nil
}

// RecipeText describes init's post-training recipe in a few words: learning rate and schedule, q (ECT), steps, and
// the 2-step sampler's t_mid when the recipe chooses its own.
func (p Preset) RecipeText(init string) string {
	q := p.ForInit(init)
	sched := "constant"
	if q.PostSchedule == "linear" {
		sched = "linear decay"
	}
	tmid := ""
	if q.TMid != p.TMid {
		tmid = fmt.Sprintf(", 2-step t_mid %g", q.TMid)
	}
	switch q.PostMethod {
	case "", "ect":
	case "ict":
		s0, s1 := q.Curriculum()
		return fmt.Sprintf("%s: lr %g (%s), iCT grid %d → %d intervals, %d steps%s", init, q.PostLR, sched, s0, s1, q.PostSteps, tmid)
	default:
		return fmt.Sprintf("%s: lr %g (%s), %d steps%s", init, q.PostLR, sched, q.PostSteps, tmid)
	}
	dt := fmt.Sprintf("q %g", q.Q)
	if q.DoubleEvery > 0 {
		dt += fmt.Sprintf(" halved every %d steps", q.DoubleEvery)
	}
	return fmt.Sprintf("%s: lr %g (%s), %s, %d steps%s", init, q.PostLR, sched, dt, q.PostSteps, tmid)
}

// StudentTMid is the 2-step t_mid the mid-trained student is scored with as it leaves mid-training.
func (p Preset) StudentTMid() float64 {
	if p.TMidStudent > 0 {
		return p.TMidStudent
	}
	return p.ForInit("cmt").TMid
}

// TMidLabel names the 2-step sampler's t_mid: "t_mid = 0.8", or each init's where their recipes choose different
// ones ("t_mid: cmt 0.4, diffusion 0.8").
func (p Preset) TMidLabel() string {
	inits, _ := p.InitList()
	var parts []string
	same := true
	for _, in := range inits {
		t := p.ForInit(in).TMid
		same = same && t == p.TMid
		parts = append(parts, fmt.Sprintf("%s %g", in, t))
	}
	if same {
		return fmt.Sprintf("t_mid = %g", p.TMid)
	}
	return "t_mid: " + strings.Join(parts, ", ")
}

// InitList parses post.inits.
func (p *Preset) InitList() ([]string, error) {
	var out []string
	for _, s := range strings.Split(p.Inits, ",") {
		s = strings.TrimSpace(s)
		switch s {
		case "cmt", "diffusion", "scratch":
			out = append(out, s)
		case "":
		default:
			return nil, fmt.Errorf("post.inits: unknown init %q (use cmt, diffusion, scratch)", s)
		}
	}
	return out, nil
}

// JSON renders the resolved preset.
func (p Preset) JSON() string {
	b, _ := json.MarshalIndent(p, "", "  ")
	return string(b)
}

// NetName is the backbone's name, "mlp" when unset.
func (p *Preset) NetName() string {
	if p.Net == "" {
		return "mlp"
	}
	return p.Net
}

// MLP is the preset's MLP backbone for data of dimension dim with the given number of time inputs.
func (p *Preset) MLP(dim, times int) nets.MLP {
	m := nets.DefaultMLP(dim, times)
	m.Hidden, m.Layers = p.Hidden, p.Layers
	if p.MLPFreqs > 0 {
		m.NumFreqs = p.MLPFreqs
	}
	m.Embed, m.FreqMin, m.FreqMax, m.FreqSpacing, m.XInitScale = p.MLPEmbed, p.MLPFreqMin, p.MLPFreqMax, p.MLPFreqSpacing, p.MLPXScale
	m.Init = p.MLPInit
	return m
}

// Images reports whether the data are images (FID evaluation, image figures).
func (p *Preset) Images() bool { return p.Data == "mnist" || p.Data == "cifar10" }

// UNet is the preset's U-Net for its image shape with the given number of time inputs: nets.CIFAR10UNet with
// every unet.* key that is set replacing its value.
func (p *Preset) UNet(times int) (nets.UNet, error) {
	u := nets.CIFAR10UNet(times)
	u.Channels, u.Height, u.Width = ImageShape(p.Data)
	if p.UNetChannels != 0 {
		u.ModelChannels = p.UNetChannels
	}
	if p.UNetBlocks != 0 {
		u.BlocksPerRes = p.UNetBlocks
	}
	switch {
	case p.UNetDropout < 0:
		u.Dropout = 0
	case p.UNetDropout > 0:
		u.Dropout = p.UNetDropout
	}
	var err error
	if p.UNetMult != "" {
		if u.Mult, err = parseInts("unet.mult", p.UNetMult); err != nil {
			return u, err
		}
	}
	switch p.UNetAttn {
	case "":
	case "none":
		u.AttnRes = nil
	default:
		if u.AttnRes, err = parseInts("unet.attn", p.UNetAttn); err != nil {
			return u, err
		}
	}
	if err := u.Validate(); err != nil {
		return u, fmt.Errorf("preset %s: %w", p.Name, err)
	}
	return u, nil
}

// parseInts reads a comma-separated list of integers (the value of key).
func parseInts(key, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%s=%s: want comma-separated integers", key, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// validateNet checks the backbone's keys.
func (p *Preset) validateNet() []string {
	var errs []string
	need := map[string]int{}
	switch p.NetName() {
	case "mlp":
		need = map[string]int{"hidden": p.Hidden, "layers": p.Layers}
		if err := p.MLP(2, 1).Validate(); err != nil {
			errs = append(errs, err.Error())
		}
	case "dit":
		need = map[string]int{"dit.patch": p.DiTPatch, "dit.hidden": p.DiTHidden, "dit.depth": p.DiTDepth, "dit.heads": p.DiTHeads}
	case "unet":
		if _, err := p.UNet(1); err != nil {
			errs = append(errs, err.Error())
		}
	default:
		errs = append(errs, fmt.Sprintf("net %q: use mlp, dit or unet", p.Net))
	}
	for k, x := range need {
		if x <= 0 {
			errs = append(errs, k+" must be > 0")
		}
	}
	if p.NetName() != "mlp" && !p.Images() {
		errs = append(errs, fmt.Sprintf("net %s needs image data (data=mnist or cifar10)", p.NetName()))
	}
	if p.Images() && p.FlowMap() {
		errs = append(errs, "post.method meanflow/lmd runs on 2D data only; use post.method=ect with image data")
	}
	if p.Devices < 0 {
		errs = append(errs, "train.devices must be ≥ 0")
	}
	return errs
}
