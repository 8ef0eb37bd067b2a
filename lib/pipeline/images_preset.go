package pipeline

// The image presets. mnist-quick is sized for a 2-core CPU (≤ 60 minutes end to end, MNIST-FID);
// cifar10 is the paper's CIFAR-10 recipe for XLA on a GPU (DDPM++ U-Net, Inception FID; sony/cmt run_cmt_cifar.sh
// and run_cmt+ecm_cifar.sh, listed in the README). Both reuse the 2D pipeline's keys; see Preset for their meaning.

// mnist-quick's backbone is an MLP (4×1024, time injected in every layer): on this CPU it trains ~9× more
// images per second than the DiT (1200 vs 130 images/s). Measured teachers (MNIST-FID, 1000 samples for the
// first two): DiT width 128, 1500 steps of 64, 13.7 min: 167; MLP, 1500 steps of 128, 2.7 min: 177; 6000 steps,
// 11.4 min: 139 (4000 samples). -set net=dit switches to the DiT (dit.* keys).
// Since 2026-12-05 the time embedding's frequencies stop at 2 rad instead of 32 (issue 16's finding on toy2d; here,
// seed 1, the old ECT recipes: ECT from the CMT init 82 → 64 and from the diffusion init 140 → 92 after 2000
// steps, the teacher 60 → 57). With EDM's lognormal alone, pre-training longer than ~9000 steps blew up (seeds 0 and
// 1 at 12000 steps: |D| 2300 at σ = 61, then NaN; README, Images): σ > 40, where the solver starts, is drawn about
// twice in 100,000. pre.p_uniform = 0.2 draws a fifth of the noise levels log-uniformly over [σ_min, σ_max]; with it
// the same seed trains stably (MNIST-FID, 2000 samples, seed 1: 115 at 3000 steps, 56 at 6000, 47 at 9000, 41 at
// 12000, 38 at 15000; the lognormal alone: 117, 57, 46, NaN), so pre-training runs 15000 steps. Longer does not
// help at this constant learning rate: the same run continued to 30000 steps scored 40 at 20000, 147 at 25000 and 56
// at 30000, with no blow-up in the solver (teachernoise -trace: |D| ≤ 4 at every step). The
// MLP's denoiser leaves pixel noise below σ ≈ 1 (the salt: background sd 0.5 where data is black;
// experiments/teachernoise), so its solver stops at σ = 1 and jumps to D(x, 1) (mid.solver_t_end), which took the
// 6000-step teacher from MNIST-FID 130 to 55 (2000 samples). A skip gate (edm.skip_gate) removes the salt but
// trained worse teachers (README, Images). The CMT student then sees no pair below t = 1 but the clean end, so its
// own 2-step sampler re-noises to eval.t_mid_student.
var mnistQuick = Preset{
	Name: "mnist-quick", Data: "mnist",
	TimeConvention: TimeConvention{
		SigmaData: 0.5, SigmaMin: 0.002, SigmaMax: 80,
	},
	Backbone: Backbone{
		Net: "mlp", Hidden: 1024, Layers: 4, MLPFreqMax: 2,
		DiTPatch: 4, DiTHidden: 96, DiTDepth: 4, DiTHeads: 4,
	},
	Pretraining: Pretraining{
		PreSteps: 15000, PreBatch: 128, PreLR: 1e-3, PreEMA: 0.999, PMean: -1.2, PStd: 1.2, PUniform: 0.2,
	},
	Midtraining: Midtraining{
		Solver: "dpm3", SolverSteps: 16, SolverTEnd: 1, Trajectories: 4000, MidSteps: 2000, MidBatch: 128, MidLR: 5e-4,
		MidEMA: 0.999, MidDistance: "l2sq", MidHuberC: 0.03, MidPairs: "all",
	},
	Posttraining: Posttraining{
		Inits: "cmt,diffusion,scratch", PostSteps: 2000, PostBatch: 128, PostLR: 1e-4, PostEMA: 0.999, PostSchedule: "linear",
		// Each init's ECT recipe: the lowest final 1-step MNIST-FID (mean of the last 3 of 6 evaluations) over 3
		// recipes run from every init on seed 0 (experiments/sweeps/tune-ect-mnist.txt, 2026-12-05, this backbone):
		// cmt 74.8 (q 256, lr 3e-4; 83.2 with the shared recipe above, 81.2 with q 16 at 1e-3), diffusion 129
		// (q 16, lr 1e-3; 220 shared, 155 at q 256 and 3e-4, still falling steeply at 2000 steps), scratch 330 (the
		// shared recipe; 340–341 with the others). The same choices as on the old backbone, and again on the
		// 15000-step teacher (2026-12-05 afternoon: cmt 69.6 / 79.1 / 71.6, diffusion 159 with q 16 at 1e-3 against
		// 277 / 202, scratch 330 / 341 / 340).
		// Each init's 2-step t_mid: the lowest 2-step MNIST-FID of its final seed-0 model over t_mid ∈ {0.2, 0.4,
		// …, 25.6} (experiments/tmid, make tmid-mnist), chosen again on the 15000-step teacher: cmt 12.8 (48.3;
		// 49.5 at 3.2, the earlier choice; 67.6 at 0.8), diffusion 12.8 (65.4; 111 at 0.8), scratch 6.4 (287; 305
		// at 0.8).
		RecipeCMT:       "post.q=256 post.lr=3e-4 post.lr_schedule=constant eval.t_mid=12.8",
		RecipeDiffusion: "post.q=16 post.lr=1e-3 post.lr_schedule=constant eval.t_mid=12.8",
		RecipeScratch:   "post.q=256 post.lr=1e-4 post.lr_schedule=linear eval.t_mid=6.4",
	},
	ECTSettings: ECTSettings{
		Q: 256, PostDistance: "l2", PostHuberC: 0.03, ECTPMean: -1.1, ECTPStd: 2.0,
	},
	Evaluation: Evaluation{
		// The student's 2-step t_mid, chosen as the recipes' are: 12.8 (74.3 on seed 0; 80.3 at 1.6, the choice on
		// the 6000-step teacher; 99.7 at 0.8).
		EvalEvery: 400, EvalSamples: 5000, TMid: 0.8, TMidStudent: 12.8, SW2Proj: 64,
		EvalPreEvery: 5000, EvalPreSamples: 2000,
	},
}

// mnist-gpu is mnist-quick on a small DDPM++ U-Net for one GPU (XLA through the CUDA PJRT plugin,
// experiments/gpu/all.sh): 32 channels, multipliers 1,2,2 (28 → 14 → 7), 2 blocks per level, attention at 7×7,
// no dropout (13 epochs of pre-training do not overfit); batch 256: 0.46 TFLOP per pre-training step. Sized to
// run end to end in under 5 minutes on one H200, XLA compilations included (README, "GPU").
var mnistGPU = Preset{
	Name: "mnist-gpu", Data: "mnist",
	TimeConvention: TimeConvention{
		SigmaData: 0.5, SigmaMin: 0.002, SigmaMax: 80,
	},
	Backbone: Backbone{
		Net: "unet", UNetChannels: 32, UNetMult: "1,2,2", UNetBlocks: 2, UNetAttn: "7", UNetDropout: -1,
	},
	Pretraining: Pretraining{
		PreSteps: 3000, PreBatch: 256, PreLR: 5e-4, PreEMA: 0.999, PMean: -1.2, PStd: 1.2,
	},
	Midtraining: Midtraining{
		Solver: "dpm3", SolverSteps: 16, Trajectories: 4096, MidSteps: 1000, MidBatch: 256, MidLR: 2e-4, MidEMA: 0.999,
		MidDistance: "l2sq", MidHuberC: 0.03, MidPairs: "all",
	},
	Posttraining: Posttraining{
		Inits: "cmt,diffusion,scratch", PostSteps: 600, PostBatch: 256, PostLR: 1e-4, PostEMA: 0.999, PostSchedule: "linear",
	},
	ECTSettings: ECTSettings{
		Q: 256, PostDistance: "l2", PostHuberC: 0.03, ECTPMean: -1.1, ECTPStd: 2.0,
	},
	Evaluation: Evaluation{
		EvalEvery: 300, EvalSamples: 5000, TMid: 0.8, SW2Proj: 64,
	},
}

// cifar10 follows sony/cmt's run_cmt_cifar.sh and run_cmt+ecm_cifar.sh: DDPM++ (128 channels, [2,2,2],
// dropout 0.2), 16-step DPM-Solver++(3M) teacher trajectories, batch 128, lr 2e-4 with linear decay, EMA 0.999
// for mid-training (300k steps = 38.4 Mimg); ECT with q = 4096 fixed, lr 1e-4 linear, EMA 0.9999 (100k steps).
// The EDM teacher is trained here (pre.steps); the paper loads NVIDIA's EDM checkpoint instead. Adam stands in
// for RAdam.
var cifar10 = Preset{
	Name: "cifar10", Data: "cifar10",
	TimeConvention: TimeConvention{
		SigmaData: 0.5, SigmaMin: 0.002, SigmaMax: 80,
	},
	Backbone: Backbone{
		Net: "unet",
	},
	Pretraining: Pretraining{
		PreSteps: 400000, PreBatch: 128, PreLR: 2e-4, PreEMA: 0.9999, PMean: -1.2, PStd: 1.2,
	},
	Midtraining: Midtraining{
		// Trajectories: the paper solves fresh trajectories every step; here a pool (3.4 GB of states).
		Solver: "dpm3", SolverSteps: 16, Trajectories: 8192,
		MidSteps: 300000, MidBatch: 128, MidLR: 2e-4, MidEMA: 0.999, MidDistance: "l2sq", MidHuberC: 0.03, MidPairs: "all",
	},
	Posttraining: Posttraining{
		Inits: "cmt,diffusion", PostSteps: 100000, PostBatch: 128, PostLR: 1e-4, PostEMA: 0.9999, PostSchedule: "linear",
	},
	ECTSettings: ECTSettings{
		Q: 4096, PostDistance: "l2", PostHuberC: 0.03, ECTPMean: -1.1, ECTPStd: 2.0,
	},
	Evaluation: Evaluation{
		EvalEvery: 10000, EvalSamples: 50000, TMid: 0.821, SW2Proj: 64,
	},
}
