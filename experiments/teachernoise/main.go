// Command teachernoise asks where an image teacher's "salt noise" comes from (issue 13): it loads a finished
// pre-training checkpoint of a run folder and samples the teacher with several solvers and step counts from the same
// x_T, printing for each the background — over the pixels that are −1 (black) in at least 99.5 % of 10k training
// images, where clean digits have none: the RMS of x + 1, and the mean and spread of x — and the MNIST-FID. If the noise stays as the solver
// gets finer, it is the denoiser's, not the solver's; if x₀-clipping or a final denoising step removes it, the sampler
// can fix it.
//
//	go run ./experiments/teachernoise -run runs/sweep-mnist-teacher/mlp/s1 -n 2000
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/solver"
)

func main() {
	run := flag.String("run", "runs/mnist-quick", "run folder holding preset.json and ckpt/pretrain.ckpt (finished)")
	n := flag.Int("n", 2000, "samples per sampler")
	seed := flag.Int64("seed", 1, "the run's seed (its checkpoint refuses another)")
	trace := flag.Bool("trace", false, "only trace the preset's sampler: per solver step, the largest |x| and |D| and the samples whose D is not finite")
	flag.Parse()
	if err := study(*run, *n, *seed, *trace); err != nil {
		fmt.Fprintln(os.Stderr, "teachernoise:", err)
		os.Exit(1)
	}
}

func study(dir string, n int, seed int64, trace bool) error {
	p, err := pipeline.ReadRunPreset(dir)
	if err != nil {
		return err
	}
	if !p.Images() {
		return fmt.Errorf("%s: preset %s is not an image preset", dir, p.Name)
	}
	p.EvalSamples = n
	r, err := pipeline.New(p, pipeline.Options{Out: dir, Figures: filepath.Join(os.TempDir(), "teachernoise-figures"), Seed: seed,
		Backend: backend.MustNew(os.Stderr)})
	if err != nil {
		return err
	}
	if err := r.Pretrain(context.Background()); err != nil { // a finished stage only loads
		return err
	}
	dim := r.Data.Dim()
	mask := blackPixels(r.Data.Sample(rand.New(rand.NewPCG(7, 7)), 10000), dim)
	fmt.Printf("background: %d of %d pixels are black in ≥ 99.5 %% of 10k training images\n", count(mask), dim)
	xT := make([]float64, n*dim)
	rng := rand.New(rand.NewPCG(11, 11))
	for i := range xT {
		xT[i] = p.SigmaMax * rng.NormFloat64()
	}
	teacher := r.Teacher.EMAFunc()
	if trace {
		return traceSampler(r, teacher, xT, dim)
	}
	type sampler struct {
		name   string
		method string
		steps  int
		clip   bool // x₀-clipping: the denoiser's output clipped to [−1, 1] at every step
		final  float64
	}
	samplers := []sampler{
		{"dpm3, 16 steps (the preset's)", "dpm3", 16, false, 0},
		{"dpm3, 32 steps", "dpm3", 32, false, 0},
		{"heun, 32 steps (63 NFE)", "heun", 32, false, 0},
		{"dpm3, 16 steps, x0 clipped to [-1, 1]", "dpm3", 16, true, 0},
		{"dpm3, 16 steps to σ = 0.05, then one denoising step D(x, 0.05)", "dpm3", 16, false, 0.05},
		{"dpm3, 16 steps to σ = 0.2, then one denoising step D(x, 0.2)", "dpm3", 16, false, 0.2},
		{"dpm3, 16 steps to σ = 0.5, then one denoising step D(x, 0.5)", "dpm3", 16, false, 0.5},
		{"dpm3, 16 steps to σ = 1, then one denoising step D(x, 1)", "dpm3", 16, false, 1},
		{"dpm3, 16 steps to σ = 2, then one denoising step D(x, 2)", "dpm3", 16, false, 2},
		{"dpm3, 16 steps to σ = 4, then one denoising step D(x, 4)", "dpm3", 16, false, 4},
	}
	data := r.Data.Sample(rand.New(rand.NewPCG(8, 8)), n)
	fid, err := r.Eval.Score(data)
	if err != nil {
		return err
	}
	fmt.Printf("%-62s background %s   MNIST-FID %.1f (%d samples)\n", "training data", background(data, mask, dim), *fid.FID, n)
	for _, s := range samplers {
		d := teacher
		if s.clip {
			d = func(x []float64, dim int, t float64) []float64 {
				y := teacher(x, dim, t)
				for i := range y {
					y[i] = math.Max(-1, math.Min(1, y[i]))
				}
				return y
			}
		}
		tMin := p.SigmaMin
		if s.final > 0 {
			tMin = s.final
		}
		tr, err := solver.Solve(s.method, solver.DenoiserFunc(chunked(d)), xT, dim, solver.LogSNRGrid(p.SigmaMax, tMin, s.steps))
		if err != nil {
			return err
		}
		x := tr.End()
		if s.final > 0 {
			x = chunked(teacher)(x, dim, s.final)
		}
		m, err := r.Eval.Score(x)
		if err != nil {
			return err
		}
		fmt.Printf("%-62s background %s   MNIST-FID %.1f\n", s.name, background(x, mask, dim), *m.FID)
	}
	return nil
}

// chunked evaluates f on at most 1000 images at a time (the batch a host function compiles for).
func chunked(f func(x []float64, dim int, t float64) []float64) func(x []float64, dim int, t float64) []float64 {
	return func(x []float64, dim int, t float64) []float64 {
		out := make([]float64, 0, len(x))
		for i := 0; i < len(x); i += 1000 * dim {
			out = append(out, f(x[i:min(len(x), i+1000*dim)], dim, t)...)
		}
		return out
	}
}

// blackPixels marks the pixels that are −1 in at least 99.5 % of the images x [n·dim].
func blackPixels(x []float64, dim int) []bool {
	n := len(x) / dim
	black := make([]int, dim)
	for i := range n {
		for j := range dim {
			if x[i*dim+j] <= -0.999 {
				black[j]++
			}
		}
	}
	mask := make([]bool, dim)
	for j := range mask {
		mask[j] = float64(black[j]) >= 0.995*float64(n)
	}
	return mask
}

// background describes the masked pixels of every image: the RMS of x + 1 after clipping to [−1, 1] (what the FID
// and the sample grids see), then the mean and standard deviation of x itself (a grey background shifts the mean,
// pixel noise widens the spread).
func background(x []float64, mask []bool, dim int) string {
	var s, m, m2 float64
	var k int
	for i, v := range x {
		if mask[i%dim] {
			d := math.Max(-1, math.Min(1, v)) + 1
			s += d * d
			m += v
			m2 += v * v
			k++
		}
	}
	mean := m / float64(k)
	return fmt.Sprintf("RMS(x+1) %.3f, mean %+.3f, sd %.3f", math.Sqrt(s/float64(k)), mean, math.Sqrt(m2/float64(k)-mean*mean))
}

func count(m []bool) int {
	c := 0
	for _, b := range m {
		if b {
			c++
		}
	}
	return c
}

// traceSampler runs the run's teacher solver (Run.Solve: to mid.solver_t_end, then the jump) and prints, per
// denoiser call, the time, the largest |x| and |D| over all samples, and the first samples whose D is not finite.
func traceSampler(r *pipeline.Run, teacher func(x []float64, dim int, t float64) []float64, xT []float64, dim int) error {
	d := func(x []float64, dim int, t float64) []float64 {
		y := chunked(teacher)(x, dim, t)
		maxX, maxD := 0.0, 0.0
		var bad []int
		for i := range y {
			maxX = math.Max(maxX, math.Abs(x[i]))
			if math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
				if len(bad) == 0 || bad[len(bad)-1] != i/dim {
					bad = append(bad, i/dim)
				}
				continue
			}
			maxD = math.Max(maxD, math.Abs(y[i]))
		}
		worst, worstN := -1, 0.0
		for k := 0; k < len(x)/dim; k++ {
			s := 0.0
			for j := range dim {
				s += x[k*dim+j] * x[k*dim+j]
			}
			if s > worstN {
				worst, worstN = k, s
			}
		}
		fmt.Printf("t %8.4f  max|x| %10.4g (sample %d, |x|/√dim %.3g)  max|D| finite %10.4g  non-finite samples %d %v\n",
			t, maxX, worst, math.Sqrt(worstN/float64(dim)), maxD, len(bad), bad[:min(len(bad), 8)])
		return y
	}
	_, err := r.Solve(solver.DenoiserFunc(d), xT)
	return err
}
