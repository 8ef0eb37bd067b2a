package pipeline

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gocmt/cmt/lib/fid"
	"github.com/gocmt/cmt/lib/flowmap"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/plots"
)

// Image presets (data = mnist or cifar10) reuse the whole 2D pipeline on flat [batch, C·H·W] vectors in [-1, 1]:
// the backbone (DiT or U-Net) reshapes to images inside. Only evaluation (FID instead of 2D distances) and
// figures (sample grids) differ; they live here.

// loadData returns the preset's dataset.
func loadData(p Preset) (data.Dataset, error) {
	switch p.Data {
	case "mnist":
		return data.LoadMNIST(p.DataDir)
	case "cifar10":
		return data.LoadCIFAR10(p.DataDir)
	}
	return data.ByName(p.Data)
}

// ImageShape is (channels, height, width) of the preset's images.
func ImageShape(name string) (c, h, w int) {
	if name == "cifar10" {
		return 3, 32, 32
	}
	return 1, 28, 28
}

// backbone builds the preset's network with the given number of time inputs.
func (r *Run) backbone(times int) (nets.Backbone, error) {
	p := r.P
	c, h, w := ImageShape(p.Data)
	switch p.NetName() {
	case "dit":
		d := nets.DefaultDiT(c, h, w, times)
		d.Patch, d.Hidden, d.Depth, d.Heads = p.DiTPatch, p.DiTHidden, p.DiTDepth, p.DiTHeads
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("preset %s: %w", p.Name, err)
		}
		return d, nil
	case "unet":
		return p.UNet(times)
	}
	m := r.Model
	m.Times = times
	return m, nil
}

// imageEvaluator scores samples by FID: MNIST-FID (LeNet features, weights in lib/fid) against the MNIST test
// set's statistics, or Inception FID against the CIFAR-10 training set's statistics (cached in eval.fid_ref).
func (r *Run) imageEvaluator() (*Evaluator, error) {
	p, b := r.P, r.O.Backend
	ev := &Evaluator{Dim: r.Data.Dim()}
	switch p.Data {
	case "mnist":
		net, err := fid.NewMNIST(b)
		if err != nil {
			return nil, err
		}
		ref, err := net.ReferenceStats(r.O.Out)
		if err != nil {
			return nil, err
		}
		ev.FIDName = fmt.Sprintf("MNIST-FID (LeNet fc1 features; %d samples, clipped to [-1, 1], vs the 10k test images)", p.EvalSamples)
		ev.FID = func(x []float64) (float64, error) { return net.FID(clip(x), ref) }
	case "cifar10":
		if p.Inception == "" {
			return nil, fmt.Errorf("cifar10 needs the FID Inception-v3 weights: convert pytorch-fid's pt_inception-2015-12-05 weights with experiments/fid/convert_inception.py and pass -set eval.inception=/path/to/inception.safetensors")
		}
		net, err := fid.LoadInception(b, p.Inception)
		if err != nil {
			return nil, err
		}
		c, h, w := ImageShape(p.Data)
		path := p.FIDRef
		if path == "" {
			path = filepath.Join(r.O.Out, "fid_ref.json")
		}
		ref, err := fid.Load(path)
		if err != nil {
			cifar := r.Data.(*data.CIFAR10)
			feats, ferr := net.Features(cifar.TrainImages(), c, h, w)
			if ferr != nil {
				return nil, ferr
			}
			if ref, err = fid.StatsOf(feats, 2048, fid.InceptionNetwork, "cifar10 train (50k)"); err != nil {
				return nil, err
			}
			if err := ref.Save(path); err != nil {
				return nil, err
			}
		}
		ev.FIDName = "FID (Inception-v3, vs CIFAR-10 train)"
		ev.FID = func(x []float64) (float64, error) {
			feats, err := net.Features(x, c, h, w)
			if err != nil {
				return 0, err
			}
			s, err := fid.StatsOf(feats, 2048, fid.InceptionNetwork, "samples")
			if err != nil {
				return 0, err
			}
			return fid.Distance(s, ref)
		}
	default:
		return nil, fmt.Errorf("no FID for data %q", p.Data)
	}
	return ev, nil
}

// evalRows is the number of images the host evaluators push through a network per call: whole sample sets at
// once would hold every activation of thousands of images in memory.
const evalRows = 500

// chunked evaluates f on x [n·dim] in blocks of evalRows rows (identical results: the networks act row by row).
func chunked(f func(x []float64, dim int, t float64) []float64) func(x []float64, dim int, t float64) []float64 {
	return func(x []float64, dim int, t float64) []float64 {
		n := len(x) / dim
		if n <= evalRows {
			return f(x, dim, t)
		}
		out := make([]float64, 0, len(x))
		for lo := 0; lo < n; lo += evalRows {
			hi := min(lo+evalRows, n)
			out = append(out, f(x[lo*dim:hi*dim], dim, t)...)
		}
		return out
	}
}

// gridCols is the number of samples per row in the sample grids.
const gridCols = 12

// figuresImages writes <preset>_samples.png (rows: data, teacher, CMT, each init's 1- and 2-step samples, all from
// the evaluator's fixed noise) and <preset>_fid_{1,2}step.png (FID during post-training).
func (r *Run) figuresImages() error {
	p, dim := r.P, r.Data.Dim()
	c, h, w := ImageShape(p.Data)
	n := gridCols * dim
	rows := []plots.ImageRow{{Title: "training data", Images: r.Data.Sample(r.rngFor(streamRef, 1), gridCols)}}
	if r.Traj != nil {
		rows = append(rows, plots.ImageRow{Title: fmt.Sprintf("teacher: %s, %d steps (%d NFE)", p.Solver, p.SolverSteps, r.Traj.NFE), Images: r.Traj.End()[:n]})
	}
	z, z2 := r.Eval.Z[:n], r.Eval.Z2[:n]
	if r.Mid != nil {
		rows = append(rows, plots.ImageRow{Title: "after CMT mid-training: 1 step", Images: flowmap.OneStep(r.Mid.EMAFunc(), z, dim, p.SigmaMax)})
	}
	inits, _ := p.InitList()
	for _, init := range inits {
		if st := r.Post[init]; st != nil {
			f := st.EMAFunc()
			rows = append(rows,
				plots.ImageRow{Title: fmt.Sprintf("ECT from %s init, %d steps: 1 step", init, st.Step), Images: flowmap.OneStep(f, z, dim, p.SigmaMax)},
				plots.ImageRow{Title: fmt.Sprintf("ECT from %s init, %d steps: 2 steps", init, st.Step), Images: flowmap.TwoStep(f, z, z2, dim, p.SigmaMax, p.ForInit(init).TMid)})
		}
	}
	if err := plots.ImageGrid(filepath.Join(r.O.Figures, p.Name+"_samples.png"), p.Name+" samples (the same noise in every row from CMT on)", rows, c, h, w, gridCols); err != nil {
		return err
	}
	if t := r.Summary.Teacher; t != nil && len(t.Curve) > 0 {
		if err := plots.Curves(filepath.Join(r.O.Figures, p.Name+"_teacher.png"),
			fmt.Sprintf("%s: the teacher in pre-training (%s, %d steps)", p.Name, p.Solver, p.SolverSteps),
			"training wall seconds", fmt.Sprintf("FID, %d samples (log)", t.Curve[0].Samples), []plots.Series{TeacherSeries(p.Net, t.Curve)}, true); err != nil {
			return err
		}
	}
	s1, s2 := PostCurves(r.Summary.Posttrain)
	if len(s1) == 0 || r.Summary.NoiseFloor.FID == nil {
		return nil
	}
	floor := *r.Summary.NoiseFloor.FID
	for i, s := range [][]plots.Series{s1, s2} {
		x := s[0].X
		if t := r.Summary.Teacher; t != nil && t.Samples.FID != nil {
			f := *t.Samples.FID
			s = append(s, plots.Series{Name: fmt.Sprintf("teacher, %d NFE", t.NFE), X: []float64{x[0], x[len(x)-1]}, Y: []float64{f, f}})
		}
		s = append(s, plots.Series{Name: "training data", X: []float64{x[0], x[len(x)-1]}, Y: []float64{floor, floor}})
		steps := []string{"1-step", "2-step"}[i]
		if err := plots.Curves(filepath.Join(r.O.Figures, fmt.Sprintf("%s_fid_%dstep.png", p.Name, i+1)),
			fmt.Sprintf("%s %s FID during ECT post-training", p.Name, steps), "post-training step",
			"FID (log)", s, true); err != nil {
			return err
		}
	}
	return nil
}

func val(x *float64) float64 {
	if x == nil {
		return math.NaN()
	}
	return *x
}

// clip returns x with every value clipped to [-1, 1], as saving samples as 8-bit images would.
func clip(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Max(-1, math.Min(1, v))
	}
	return out
}
