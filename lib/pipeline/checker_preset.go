package pipeline

// toy2d-checker: the second 2D dataset of the fair comparison (issue 11), the 4×4 checkerboard of lib/data (8
// uniform unit squares, scaled to unit variance per coordinate), scored with the unbiased energy distance
// (eval.energy=u): at 5000 samples the V-statistic's noise floor hides the blurred square edges the eye sees.
// Everything else is toy2d's, except:
//   - pre.steps 10000 with linear decay (toy2d: 3000, constant): measured on seed 0, the 16-step teacher's
//     U-energy against the 10000-point reference falls from 3.3e-4 at 3000 steps (square edges visibly blurred,
//     points between the squares) to −2.3e-5 (at the noise, sd ≈ 2.3e-4 for two fresh samples of 10000) at 10000
//     steps with linear decay; 10000 constant steps gave −6.4e-6, and a 256-wide net at 6000 steps 1.6e-4 at 4×
//     the cost per step. The pre-training costs ~60 s on 2 cores.
//   - eval.samples 10000: the U-statistic's sd for two fresh checkerboard samples is 5.5e-4 at 5000 and 2.3e-4 at
//     10000 points (20 draws each); 20000 would cost 4× the evaluation time (two O(n²) pair sums per score).
//   - per-init ECT recipes chosen on the validation seeds 0 and 6 by experiments/sweeps/tune-ect-checker.txt
//     (README, "Fair comparison").
var toy2dChecker = func() Preset {
	p := toy2d
	p.Name, p.Data = "toy2d-checker", "checkerboard"
	p.PreSteps, p.PreSched = 10000, "linear"
	p.EvalEnergy, p.EvalSamples = "u", 10000
	// Lowest final 1-step energy, averaged over the validation seeds 0 and 6, of the 10 recipes of
	// tune-ect-checker.txt (runs/sweep-tune-ect-checker): cmt 4.4e-4 (q 16, lr 1e-4 linear; the student starts at
	// 3.3e-4 and 1.8e-4 on the two seeds), diffusion 1.15e-3 (q 16, lr 1e-3 constant; next 1.24e-3), scratch 9.8e-4 (q 64, lr 1e-3
	// constant; next 9.9e-4). On seed 0 alone diffusion's pick was q 256 lr 1e-3 (1.06e-3; 1.51e-3 on seed 6) and
	// scratch's q 64 lr 3e-3 linear: one seed could not tell recipes within its noise apart.
	// Each model's 2-step t_mid, chosen the same way by tune-tmid-checker.txt over {0.1, …, 3.2} (lowest final
	// 2-step energy, mean of seeds 0 and 6): 0.4 for every ECT run (cmt 9.2e-5, diffusion 3.7e-4, scratch 2.5e-4;
	// at 0.8: 4.1e-4, 5.9e-4, 4.7e-4), 3.2 for the student as it leaves mid-training (−2.1e-5; 8.8e-5 at 0.4).
	p.RecipeCMT = "post.q=16 post.lr=1e-4 post.lr_schedule=linear eval.t_mid=0.4"
	p.RecipeDiffusion = "post.q=16 post.lr=1e-3 post.lr_schedule=constant eval.t_mid=0.4"
	p.RecipeScratch = "post.q=64 post.lr=1e-3 post.lr_schedule=constant eval.t_mid=0.4"
	p.TMidStudent = 3.2
	return p
}()
