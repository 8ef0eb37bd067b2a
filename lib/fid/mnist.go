package fid

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gocmt/cmt/lib/data"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// MNIST-FID protocol (what the numbers from this file mean):
//   - Feature network: the LeNet of lenet.go (MNISTNetwork), trained by TrainLeNet on the 60k training images
//     (DefaultLeNetTrainConfig; ≥ 99% test accuracy), weights embedded from lenet_mnist.bin.
//   - Features: the 64 activations of fc1 after ReLU (the penultimate layer, the input of the classifier), taken
//     on images [n·784] in [−1, 1] exactly as given (no clipping: clip generated samples to [−1, 1] first, as
//     saving them as images would).
//   - Reference: the 10k MNIST *test* images (ReferenceStats). They were never seen by the feature network, like
//     a generative model's samples, so the reference features are not biased by what the classifier memorised of
//     its training images. Measured at 10k vs 10k (experiments/lenet -sanity): FID(train, test) = 0.38, close to
//     the floor FID between two disjoint 10k training subsets, 0.33; test + noise σ = 0.1 gives 0.86, blur
//     σ = 0.5 px gives 9.2.
//   - Sample count: FID is biased upwards at small n (the covariance estimate's noise); compare models only at
//     equal n, 10k samples by default.
const MNISTNetwork = "lenet-mnist/v1"

// MNISTFeatureDim is the MNIST feature dimension (fc1 width).
const MNISTFeatureDim = lenetFeature

// mnistBatch is the number of images per compiled call of Features/Logits; the last partial batch is padded.
const mnistBatch = 1000

//go:embed lenet_mnist.bin
var lenetWeightsFile []byte

// MNISTNet is the MNIST feature network with its weights, compiled for one backend. Its methods are safe for
// concurrent use (calls are serialised).
type MNISTNet struct {
	mu   sync.Mutex
	exec *model.Exec // x [mnistBatch, 784] → features [mnistBatch, 64], logits [mnistBatch, 10]
}

// NewMNIST loads the embedded, checksummed weights (lenet_mnist.bin) onto backend b.
func NewMNIST(b compute.Backend) (*MNISTNet, error) {
	w, err := decodeWeights(lenetWeightsFile, MNISTNetwork)
	if err != nil {
		return nil, err
	}
	return newMNISTNet(b, w)
}

// newMNISTNet builds the inference graph on the given weights (lenetParams name → values).
func newMNISTNet(b compute.Backend, w map[string][]float32) (*MNISTNet, error) {
	if b == nil {
		return nil, errors.New("fid: NewMNIST needs a backend (backend.New(os.Stderr))")
	}
	store := model.NewStore()
	for _, p := range lenetParams {
		if len(w[p.Name]) != numElems(p.Dims) {
			return nil, fmt.Errorf("fid: weights %q have %d values, want %d", p.Name, len(w[p.Name]), numElems(p.Dims))
		}
		v, err := store.CreateVariable("/lenet/"+p.Name, tensors.FromFlatDataAndDimensions(w[p.Name], p.Dims...))
		if err != nil {
			return nil, err
		}
		v.SetTrainable(false)
	}
	exec, err := model.NewExec(b, store, func(_ *model.Scope, x *graph.Node) []*graph.Node {
		g := x.Graph()
		feat, logits := lenetForward(x, func(name string) *graph.Node { return store.GetVariable("/lenet/" + name).NodeValue(g) }, nil)
		return []*graph.Node{feat, logits}
	})
	if err != nil {
		return nil, fmt.Errorf("fid: compiling the MNIST feature network: %w", err)
	}
	return &MNISTNet{exec: exec}, nil
}

// FeatureDim is the length of one feature vector (64).
func (m *MNISTNet) FeatureDim() int { return MNISTFeatureDim }

// Features returns the penultimate-layer features [n·64] of images [n·784] (pixels in [−1, 1], row-major).
func (m *MNISTNet) Features(images []float64) ([]float64, error) {
	f, _, err := m.run(images)
	return f, err
}

// Logits returns the class logits [n·10] of images [n·784].
func (m *MNISTNet) Logits(images []float64) ([]float64, error) {
	_, l, err := m.run(images)
	return l, err
}

// Stats returns the feature statistics of images [n·784] (n ≥ 2), labelled with dataset.
func (m *MNISTNet) Stats(images []float64, dataset string) (Stats, error) {
	f, err := m.Features(images)
	if err != nil {
		return Stats{}, err
	}
	return StatsOf(f, MNISTFeatureDim, MNISTNetwork, dataset)
}

// FID is the Fréchet distance between the features of images [n·784] and ref (usually ReferenceStats).
func (m *MNISTNet) FID(images []float64, ref Stats) (float64, error) {
	if ref.Network != MNISTNetwork {
		return 0, fmt.Errorf("fid: reference statistics are from %q, not %q: recompute them with ReferenceStats", ref.Network, MNISTNetwork)
	}
	s, err := m.Stats(images, "samples")
	if err != nil {
		return 0, err
	}
	return Distance(s, ref)
}

// MNISTReferenceName is the Dataset label (and cache file stem) of the reference statistics.
const MNISTReferenceName = "mnist-test-10k"

// ReferenceStats returns the statistics of the 10k MNIST test images (see the protocol above). With a non-empty
// cacheDir they are read from, or computed once and written to, cacheDir/mnist-test-10k.lenet-mnist-v1.json; a
// cache file from another network or an unreadable one is recomputed and overwritten.
func (m *MNISTNet) ReferenceStats(cacheDir string) (Stats, error) {
	path := ""
	if cacheDir != "" {
		path = filepath.Join(cacheDir, MNISTReferenceName+".lenet-mnist-v1.json")
		if s, err := Load(path); err == nil && s.Network == MNISTNetwork && s.Dataset == MNISTReferenceName &&
			s.N == data.MNISTTestN && s.Dim == MNISTFeatureDim {
			return s, nil
		}
	}
	ds, err := data.LoadMNIST("")
	if err != nil {
		return Stats{}, err
	}
	s, err := m.Stats(ds.TestImages(), MNISTReferenceName)
	if err != nil {
		return Stats{}, err
	}
	if path != "" {
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return Stats{}, fmt.Errorf("fid: cache directory: %w", err)
		}
		if err := s.Save(path); err != nil {
			return Stats{}, fmt.Errorf("fid: caching reference statistics: %w", err)
		}
	}
	return s, nil
}

// run evaluates the network on images [n·784] in batches of mnistBatch (one compiled shape; the last batch is
// padded with background images) and returns features [n·64] and logits [n·10].
func (m *MNISTNet) run(images []float64) (feat, logits []float64, err error) {
	if len(images) == 0 || len(images)%data.MNISTDim != 0 {
		return nil, nil, fmt.Errorf("fid: MNIST images must be a non-empty [n·784] slice, got length %d", len(images))
	}
	for i, v := range images {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, fmt.Errorf("fid: MNIST image %d has a non-finite pixel (%v)", i/data.MNISTDim, v)
		}
	}
	n := len(images) / data.MNISTDim
	feat = make([]float64, n*MNISTFeatureDim)
	logits = make([]float64, n*mnistClasses)
	x := make([]float32, mnistBatch*data.MNISTDim)
	m.mu.Lock()
	defer m.mu.Unlock()
	for start := 0; start < n; start += mnistBatch {
		k := min(mnistBatch, n-start)
		for i := range x {
			x[i] = -1
		}
		for i, v := range images[start*data.MNISTDim : (start+k)*data.MNISTDim] {
			x[i] = float32(v)
		}
		outs, err := m.exec.Call(tensors.FromFlatDataAndDimensions(x, mnistBatch, data.MNISTDim))
		if err != nil {
			return nil, nil, fmt.Errorf("fid: running the MNIST feature network: %w", err)
		}
		f := tensors.MustCopyFlatData[float32](outs[0])
		l := tensors.MustCopyFlatData[float32](outs[1])
		for i := 0; i < k*MNISTFeatureDim; i++ {
			feat[start*MNISTFeatureDim+i] = float64(f[i])
		}
		for i := 0; i < k*mnistClasses; i++ {
			logits[start*mnistClasses+i] = float64(l[i])
		}
	}
	return feat, logits, nil
}

// Sanity checks of MNIST-FID (used by the tests and by experiments/lenet -sanity).

// SanityNoise and SanityBlur are the corruption strengths of the sanity curves: Gaussian noise std in pixel units
// of [−1, 1] (added, then clipped to [−1, 1]) and Gaussian blur std in pixels.
var (
	SanityNoise = []float64{0, 0.05, 0.1, 0.2, 0.4, 0.8}
	SanityBlur  = []float64{0, 0.5, 1, 1.5, 2}
)

// SanityResult holds the sanity numbers; N images per set, Ref = the first N test images (N = 10k: exactly
// ReferenceStats).
//
// The corruption curves compare corrupt(Ref images) with Ref, as in the FID paper (Heusel et al. 2017): the same
// images on both sides, so the curves show the effect of the corruption alone (FID = 0 at strength 0) rather than
// a corruption plus the sampling offset between two image sets, which can mask weak corruptions. The sampling
// offset is reported separately as the floor FIDTrainHalves.
type SanityResult struct {
	N              int       `json:"n"`                // images per set
	TestAccuracy   float64   `json:"test_accuracy"`    // on all 10k test images (filled by the caller; Sanity leaves it 0)
	FIDTrainTest   float64   `json:"fid_train_test"`   // FID(train[0:N], Ref)
	FIDTrainHalves float64   `json:"fid_train_halves"` // FID(train[N:2N], train[0:N]): the sampling-noise floor at N
	NoiseSigmas    []float64 `json:"noise_sigmas"`
	NoiseFID       []float64 `json:"noise_fid"` // FID(clip(Ref images + σ·ε), Ref)
	BlurSigmas     []float64 `json:"blur_sigmas"`
	BlurFID        []float64 `json:"blur_fid"`        // FID(blur_σ(Ref images), Ref)
	FeatureSeconds float64   `json:"feature_seconds"` // wall time of Features on the N test images
}

// Sanity computes the sanity numbers (all but TestAccuracy) on n ≤ 10000 images per set (progress lines to log,
// may be nil). It runs the network on 12 + 2 sets of n images.
func Sanity(net *MNISTNet, m *data.MNIST, n int, log io.Writer) (*SanityResult, error) {
	if n < 2 || n > data.MNISTTestN {
		return nil, fmt.Errorf("fid: Sanity needs 2 ≤ n ≤ %d images per set, got %d", data.MNISTTestN, n)
	}
	if log == nil {
		log = io.Discard
	}
	r := &SanityResult{N: n, NoiseSigmas: SanityNoise, BlurSigmas: SanityBlur}
	test := m.TestRange(0, n)
	start := time.Now()
	testFeat, err := net.Features(test)
	if err != nil {
		return nil, err
	}
	r.FeatureSeconds = time.Since(start).Seconds()
	ref, err := StatsOf(testFeat, MNISTFeatureDim, MNISTNetwork, fmt.Sprintf("mnist-test-%d", n))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "features of %d images in %.1f s\n", n, r.FeatureSeconds)
	trainA := m.TrainRange(0, n)
	if r.FIDTrainTest, err = net.FID(trainA, ref); err != nil {
		return nil, err
	}
	trainStats, err := net.Stats(trainA, fmt.Sprintf("mnist-train-%d", n))
	if err != nil {
		return nil, err
	}
	if r.FIDTrainHalves, err = net.FID(m.TrainRange(n, n), trainStats); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "FID(train, test) = %.3f; floor FID(train[%d:%d], train[0:%d]) = %.3f\n", r.FIDTrainTest, n, 2*n, n, r.FIDTrainHalves)
	rng := rand.New(rand.NewPCG(7, 7))
	for _, s := range SanityNoise {
		f, err := net.FID(AddNoise(test, s, rng), ref)
		if err != nil {
			return nil, err
		}
		r.NoiseFID = append(r.NoiseFID, f)
		fmt.Fprintf(log, "noise σ=%.2f: FID %.3f\n", s, f)
	}
	for _, s := range SanityBlur {
		f, err := net.FID(Blur(test, s), ref)
		if err != nil {
			return nil, err
		}
		r.BlurFID = append(r.BlurFID, f)
		fmt.Fprintf(log, "blur σ=%.1f px: FID %.3f\n", s, f)
	}
	return r, nil
}

// AddNoise returns images [n·784] plus σ·N(0, 1) per pixel, clipped to [−1, 1] (σ in pixel units of [−1, 1]).
func AddNoise(images []float64, sigma float64, rng *rand.Rand) []float64 {
	out := make([]float64, len(images))
	for i, v := range images {
		if sigma > 0 {
			v += sigma * rng.NormFloat64()
		}
		out[i] = math.Max(-1, math.Min(1, v))
	}
	return out
}

// Blur returns images [n·784] (28×28) convolved with a normalised Gaussian of std sigma pixels, truncated at
// ⌈3σ⌉ px, separably; pixels outside the image count as background (−1). sigma ≤ 0 returns a copy.
func Blur(images []float64, sigma float64) []float64 {
	out := slices.Clone(images)
	if sigma <= 0 {
		return out
	}
	const s = data.MNISTSide
	rad := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*rad+1)
	sum := 0.0
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, s*s)
	for off := 0; off+data.MNISTDim <= len(images); off += data.MNISTDim {
		img := images[off : off+data.MNISTDim]
		// Blur x+1 (background 0) with zero padding: outside pixels are background.
		for r := 0; r < s; r++ {
			for c := 0; c < s; c++ {
				acc := 0.0
				for j, w := range k {
					if cc := c + j - rad; cc >= 0 && cc < s {
						acc += w * (img[r*s+cc] + 1)
					}
				}
				tmp[r*s+c] = acc
			}
		}
		for r := 0; r < s; r++ {
			for c := 0; c < s; c++ {
				acc := 0.0
				for j, w := range k {
					if rr := r + j - rad; rr >= 0 && rr < s {
						acc += w * tmp[rr*s+c]
					}
				}
				out[off+r*s+c] = acc - 1
			}
		}
	}
	return out
}
