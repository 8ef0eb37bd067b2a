package fid

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// LeNetTrainConfig sets how TrainLeNet trains the MNIST feature network.
type LeNetTrainConfig struct {
	Epochs  int     // passes over the 60k training images
	Batch   int     // images per Adam step
	LR      float64 // Adam learning rate at the start; it decays linearly to LR/20 at the end
	Shift   int     // data augmentation: each training image is shifted by a uniform integer in [−Shift, Shift] px on each axis (background fill)
	Dropout float64 // dropout probability on the 64 features during training
	Seed    uint64  // initialisation, shuffling, augmentation and dropout
}

// DefaultLeNetTrainConfig is the recipe behind the committed weights (lenet_mnist.bin): 1404 Adam steps, 605 s
// on the 2 shared cores of the development machine (pure-Go backend), test accuracy 99.10%.
func DefaultLeNetTrainConfig() LeNetTrainConfig {
	return LeNetTrainConfig{Epochs: 3, Batch: 128, LR: 2e-3, Shift: 2, Dropout: 0.25, Seed: 1}
}

// TrainResult is what TrainLeNet produced.
type TrainResult struct {
	Weights      map[string][]float32 // lenetParams name → values
	TestAccuracy float64              // fraction of the 10k test images classified correctly
	Seconds      float64              // wall time of the training loop (excluding the final evaluation)
	Steps        int
}

// TrainLeNet trains the network of lenet.go on the 60k MNIST training images with Adam (cross-entropy loss,
// He-normal initialisation, shift augmentation, dropout on the features) and evaluates it on the 10k test images.
// Progress lines go to log (may be nil).
func TrainLeNet(b compute.Backend, m *data.MNIST, cfg LeNetTrainConfig, log io.Writer) (*TrainResult, error) {
	if cfg.Epochs <= 0 || cfg.Batch <= 0 || !(cfg.LR > 0) || cfg.Shift < 0 || cfg.Shift > 8 || !(cfg.Dropout >= 0 && cfg.Dropout < 1) {
		return nil, fmt.Errorf("fid: bad LeNet training config %+v: need Epochs, Batch, LR > 0, Shift in 0..8, Dropout in [0, 1)", cfg)
	}
	if log == nil {
		log = io.Discard
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed))
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	for _, p := range lenetParams {
		if _, err := store.CreateVariable("/lenet/"+p.Name, tensors.FromFlatDataAndDimensions(heInit(rng, p), p.Dims...)); err != nil {
			return nil, err
		}
	}
	opt := optimizer.Adam().LearningRate(cfg.LR).Done()
	keep := 1 - cfg.Dropout
	step, err := model.NewExec(b, store, func(scope *model.Scope, x, labels, frac *graph.Node) []*graph.Node {
		g := x.Graph()
		store.SetTraining(g, true)
		param := func(name string) *graph.Node { return store.GetVariable("/lenet/" + name).NodeValue(g) }
		dropout := func(f *graph.Node) *graph.Node {
			if cfg.Dropout == 0 {
				return f
			}
			u := store.RandomUniform(g, f.Shape())
			mask := graph.ConvertDType(graph.LessThan(u, graph.Scalar(g, f32, keep)), f32)
			return graph.MulScalar(graph.Mul(f, mask), 1/keep)
		}
		_, logits := lenetForward(x, param, dropout)
		loss := graph.Neg(graph.ReduceAllMean(graph.ReduceSum(graph.Mul(graph.OneHot(labels, mnistClasses, f32), graph.LogSoftmax(logits, -1)), -1)))
		lr := optimizer.LearningRateVar(scope, f32, cfg.LR)
		lr.SetNodeValue(graph.MulScalar(graph.OneMinus(graph.MulScalar(frac, 0.95)), cfg.LR))
		opt.UpdateGraph(scope, g, loss)
		correct := graph.ReduceAllSum(graph.ConvertDType(graph.Equal(graph.ArgMax(logits, -1, labels.DType()), labels), f32))
		return []*graph.Node{loss, correct}
	})
	if err != nil {
		return nil, fmt.Errorf("fid: compiling the LeNet training step: %w", err)
	}
	images := m.TrainImages32()
	labels := m.TrainLabels()
	perEpoch := data.MNISTTrainN / cfg.Batch
	total := perEpoch * cfg.Epochs
	x := make([]float32, cfg.Batch*data.MNISTDim)
	y := make([]int32, cfg.Batch)
	start := time.Now()
	n := 0
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		perm := rng.Perm(data.MNISTTrainN)
		var sumLoss, sumCorrect float64
		for i := 0; i < perEpoch; i++ {
			for j := 0; j < cfg.Batch; j++ {
				k := perm[i*cfg.Batch+j]
				shiftImage(x[j*data.MNISTDim:(j+1)*data.MNISTDim], images[k*data.MNISTDim:(k+1)*data.MNISTDim],
					rng.IntN(2*cfg.Shift+1)-cfg.Shift, rng.IntN(2*cfg.Shift+1)-cfg.Shift)
				y[j] = int32(labels[k])
			}
			frac := float32(n) / float32(total)
			outs, err := step.Call(tensors.FromFlatDataAndDimensions(x, cfg.Batch, data.MNISTDim),
				tensors.FromFlatDataAndDimensions(y, cfg.Batch), tensors.FromScalar(frac))
			if err != nil {
				return nil, fmt.Errorf("fid: LeNet training step %d: %w", n, err)
			}
			loss := float64(tensors.ToScalar[float32](outs[0]))
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return nil, fmt.Errorf("fid: LeNet training diverged at step %d (loss %v); lower the learning rate", n, loss)
			}
			sumLoss += loss
			sumCorrect += float64(tensors.ToScalar[float32](outs[1]))
			n++
			if n%100 == 0 {
				fmt.Fprintf(log, "step %d/%d: loss %.4f, %.1f s\n", n, total, loss, time.Since(start).Seconds())
			}
		}
		fmt.Fprintf(log, "epoch %d/%d: loss %.4f, train accuracy %.4f (augmented, dropout), %.0f s\n",
			epoch+1, cfg.Epochs, sumLoss/float64(perEpoch), sumCorrect/float64(perEpoch*cfg.Batch), time.Since(start).Seconds())
	}
	res := &TrainResult{Weights: map[string][]float32{}, Seconds: time.Since(start).Seconds(), Steps: n}
	for _, p := range lenetParams {
		t, err := store.GetVariable("/lenet/" + p.Name).Value()
		if err != nil {
			return nil, err
		}
		res.Weights[p.Name] = tensors.MustCopyFlatData[float32](t)
	}
	net, err := newMNISTNet(b, res.Weights)
	if err != nil {
		return nil, err
	}
	res.TestAccuracy, err = net.Accuracy(m.TestImages(), m.TestLabels())
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "test accuracy %.4f after %d steps, %.0f s\n", res.TestAccuracy, n, res.Seconds)
	return res, nil
}

// heInit draws He-normal weights (std √(2/fan_in), fan_in = first axis) for matrices and zeros for biases.
func heInit(rng *rand.Rand, p lenetParam) []float32 {
	v := make([]float32, numElems(p.Dims))
	if len(p.Dims) == 1 {
		return v
	}
	std := math.Sqrt(2 / float64(p.Dims[0]))
	for i := range v {
		v[i] = float32(std * rng.NormFloat64())
	}
	return v
}

// shiftImage writes src (28×28, row-major) moved by dx columns right and dy rows down into dst, filling the
// uncovered border with the background value −1.
func shiftImage(dst, src []float32, dx, dy int) {
	const s = data.MNISTSide
	for r := 0; r < s; r++ {
		for c := 0; c < s; c++ {
			sr, sc := r-dy, c-dx
			if sr < 0 || sr >= s || sc < 0 || sc >= s {
				dst[r*s+c] = -1
			} else {
				dst[r*s+c] = src[sr*s+sc]
			}
		}
	}
}

// Accuracy is the fraction of images [n·784] whose arg-max logit equals labels [n].
func (m *MNISTNet) Accuracy(images []float64, labels []int) (float64, error) {
	logits, err := m.Logits(images)
	if err != nil {
		return 0, err
	}
	if len(labels)*mnistClasses != len(logits) {
		return 0, errors.New("fid: Accuracy: one label per image needed")
	}
	correct := 0
	for i, l := range labels {
		best := 0
		for k := 1; k < mnistClasses; k++ {
			if logits[i*mnistClasses+k] > logits[i*mnistClasses+best] {
				best = k
			}
		}
		if best == l {
			correct++
		}
	}
	return float64(correct) / float64(len(labels)), nil
}

// WeightsFile encodes the trained weights in the lenet_mnist.bin format (see lenet.go); write it to
// lib/fid/lenet_mnist.bin and rebuild to make NewMNIST use them.
func (r *TrainResult) WeightsFile() ([]byte, error) { return encodeWeights(MNISTNetwork, r.Weights) }
