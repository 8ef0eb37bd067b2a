package fid

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/data"
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// testEnv is the backend, network and data shared by the tests (built once: loading takes a few seconds).
var testEnv struct {
	once sync.Once
	b    compute.Backend
	net  *MNISTNet
	m    *data.MNIST
	err  error
}

func setup(t *testing.T) (compute.Backend, *MNISTNet, *data.MNIST) {
	t.Helper()
	testEnv.once.Do(func() {
		if testEnv.b, testEnv.err = backend.New(nil); testEnv.err != nil {
			return
		}
		if testEnv.net, testEnv.err = NewMNIST(testEnv.b); testEnv.err != nil {
			return
		}
		testEnv.m, testEnv.err = data.LoadMNIST("")
	})
	if testEnv.err != nil {
		t.Fatal(testEnv.err)
	}
	return testEnv.b, testEnv.net, testEnv.m
}

func randomF32(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// TestConvAndPoolMatchGoMLX checks the hand-written layers against GoMLX's own ops on random data:
//   - conv5Same (two-stage im2col + MatMul, weights [25·C, O]) equals Convolve(x, kernel [5,5,C,O]).PadSame() with
//     the same weights reshaped: both sum the same 400 float32 products of N(0,1) numbers in different orders;
//     outputs have std √400 = 20 and |Σ|terms|| ≈ 255, so reordering errors are up to ~ε32·255·√400 ≈ 3e-4
//     (5e-5 observed); tolerance 5e-4 — an indexing mistake gives errors of order 20;
//   - maxPool2 (reshape + ReduceMax) equals MaxPool(x).Window(2) exactly (a max involves no rounding).
func TestConvAndPoolMatchGoMLX(t *testing.T) {
	b, err := backend.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const n, h, c, o = 3, 14, 16, 8
	x := tensors.FromFlatDataAndDimensions(randomF32(rng, n*h*h*c), n, h, h, c)
	w := tensors.FromFlatDataAndDimensions(randomF32(rng, 25*c*o), 25*c, o)
	bias := tensors.FromFlatDataAndDimensions(randomF32(rng, o), o)
	outs, err := MustNewExec(b, func(x, w, bias *Node) []*Node {
		mine := conv5Same(x, w, bias)
		ref := Add(Convolve(x, Reshape(w, 5, 5, c, o)).PadSame().Done(), ExpandLeftToRank(bias, 4))
		return []*Node{mine, ref, maxPool2(x), MaxPool(x).Window(2).Done()}
	}).Call(x, w, bias)
	if err != nil {
		t.Fatal(err)
	}
	mine, ref := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	maxDiff := 0.0
	for i := range mine {
		maxDiff = max(maxDiff, math.Abs(float64(mine[i]-ref[i])))
	}
	t.Logf("conv: max |im2col − Convolve| = %.2g over %d outputs", maxDiff, len(mine))
	if len(mine) != n*h*h*o || maxDiff > 5e-4 {
		t.Errorf("conv5Same differs from Convolve by %.2g (len %d)", maxDiff, len(mine))
	}
	if !slices.Equal(tensors.MustCopyFlatData[float32](outs[2]), tensors.MustCopyFlatData[float32](outs[3])) {
		t.Error("maxPool2 differs from MaxPool")
	}
}

// TestWeightsFile checks the weights format: random weights survive encode/decode bit for bit; a flipped byte
// anywhere, a truncated file, or another network's name is refused with an error that says how to fix it; and
// the embedded file decodes (NewMNIST works).
func TestWeightsFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	w := map[string][]float32{}
	for _, p := range lenetParams {
		w[p.Name] = randomF32(rng, numElems(p.Dims))
	}
	file, err := encodeWeights(MNISTNetwork, w)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeWeights(file, MNISTNetwork)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range w {
		if !slices.Equal(v, got[name]) {
			t.Errorf("%s changed in the round trip", name)
		}
	}
	for _, pos := range []int{0, 9, 40, len(file) / 2, len(file) - 1} {
		bad := slices.Clone(file)
		bad[pos] ^= 0x10
		if _, err := decodeWeights(bad, MNISTNetwork); err == nil || !strings.Contains(err.Error(), "experiments/lenet") {
			t.Errorf("byte %d flipped: error %v, want a checksum error that says how to fix it", pos, err)
		}
	}
	if _, err := decodeWeights(file[:len(file)-100], MNISTNetwork); err == nil {
		t.Error("truncated file accepted")
	}
	if _, err := decodeWeights(file, "other/v9"); err == nil || !strings.Contains(err.Error(), "other/v9") {
		t.Errorf("wrong network: error %v", err)
	}
	if _, err := decodeWeights(lenetWeightsFile, MNISTNetwork); err != nil {
		t.Errorf("embedded weights: %v", err)
	}
	if len(lenetWeightsFile) > 1<<20 {
		t.Errorf("embedded weights are %d bytes, keep them under 1 MB", len(lenetWeightsFile))
	}
}

// TestCorruptions checks the sanity corruptions exactly:
//   - Blur keeps an all-background image at −1 exactly and, away from the border, conserves the ink mass
//     Σ(x+1) of a single bright pixel (the kernel is normalised) to 1e-12 (float64 rounding), spreading it
//     symmetrically (left/right and up/down neighbours equal to 1e-15); σ = 0 is the identity;
//   - AddNoise with σ = 0 is the identity on images in [−1, 1], and its output stays in [−1, 1] for σ = 0.8.
func TestCorruptions(t *testing.T) {
	bg := make([]float64, 784)
	for i := range bg {
		bg[i] = -1
	}
	for _, v := range Blur(bg, 1.5) {
		if v != -1 {
			t.Fatalf("blurred background = %v, want -1", v)
		}
	}
	dot := slices.Clone(bg)
	dot[14*28+14] = 1
	if !slices.Equal(Blur(dot, 0), dot) {
		t.Error("Blur(σ=0) is not the identity")
	}
	for _, s := range []float64{0.5, 1, 2} {
		y := Blur(dot, s)
		mass := 0.0
		for _, v := range y {
			mass += v + 1
		}
		if math.Abs(mass-2) > 1e-12 {
			t.Errorf("σ=%v: ink mass %v, want 2", s, mass)
		}
		c := 14*28 + 14
		if math.Abs(y[c-1]-y[c+1]) > 1e-15 || math.Abs(y[c-28]-y[c+28]) > 1e-15 || math.Abs(y[c-1]-y[c-28]) > 1e-15 {
			t.Errorf("σ=%v: blur not symmetric", s)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	img := make([]float64, 2*784)
	for i := range img {
		img[i] = 2*rng.Float64() - 1
	}
	if !slices.Equal(AddNoise(img, 0, rng), img) {
		t.Error("AddNoise(σ=0) changed the images")
	}
	for _, v := range AddNoise(img, 0.8, rng) {
		if v < -1 || v > 1 {
			t.Fatalf("AddNoise output %v outside [-1, 1]", v)
		}
	}
}

// TestMNISTNetTestSet runs the network once on the 10k test images and checks:
//   - test accuracy ≥ 99% (the requirement for the feature network);
//   - batching is invisible: the features of the first 3 images alone (padded to one batch) equal those from the
//     10k run to 1e-5 (each row is computed independently; only float32 summation order could differ);
//   - ReferenceStats(cacheDir) equals StatsOf those features (same computation, so to 1e-9 relative), writes the
//     cache file, and a second call returns the cached numbers exactly;
//   - bad input (length not a multiple of 784, NaN) is a clear error.
func TestMNISTNetTestSet(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the network on 20k images (~10 s)")
	}
	_, net, m := setup(t)
	images := m.TestImages()
	feat, logits, err := net.run(images)
	if err != nil {
		t.Fatal(err)
	}
	labels := m.TestLabels()
	correct := 0
	for i, l := range labels {
		row := logits[i*10 : (i+1)*10]
		if slices.Index(row, slices.Max(row)) == l {
			correct++
		}
	}
	acc := float64(correct) / float64(len(labels))
	t.Logf("test accuracy %.4f", acc)
	if acc < 0.99 {
		t.Errorf("test accuracy %.4f < 0.99", acc)
	}
	few, err := net.Features(images[:3*784])
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range few {
		if math.Abs(v-feat[i]) > 1e-5 {
			t.Fatalf("feature %d: %v alone, %v in the big batch", i, v, feat[i])
		}
	}
	want, err := StatsOf(feat, MNISTFeatureDim, MNISTNetwork, MNISTReferenceName)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ref, err := net.ReferenceStats(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ref.N != 10000 || ref.Dim != MNISTFeatureDim || ref.Network != MNISTNetwork {
		t.Fatalf("reference stats n %d dim %d network %q", ref.N, ref.Dim, ref.Network)
	}
	for i := range want.Cov {
		if math.Abs(ref.Cov[i]-want.Cov[i]) > 1e-9*(1+math.Abs(want.Cov[i])) {
			t.Fatalf("reference cov[%d] = %v, want %v", i, ref.Cov[i], want.Cov[i])
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache dir holds %v, want one JSON file", files)
	}
	again, err := net.ReferenceStats(dir)
	if err != nil || !slices.Equal(again.Mean, ref.Mean) || !slices.Equal(again.Cov, ref.Cov) {
		t.Errorf("cached reference differs (err %v)", err)
	}
	if _, err := net.Features(images[:100]); err == nil {
		t.Error("Features accepted a length that is not a multiple of 784")
	}
	nan := slices.Clone(images[:784])
	nan[5] = math.NaN()
	if _, err := net.Features(nan); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN pixel: error %v", err)
	}
}

// TestMNISTFIDSanity runs Sanity on n = 1000 images per set and checks that MNIST-FID behaves like a distance
// between image distributions:
//   - FID(train[0:n], test[0:n]) is small: below 3× the floor FID(train[n:2n], train[0:n]) between two disjoint
//     training subsets plus 0.5. The floor is the bias of FID at this n (both sets come from one distribution);
//     train and test are one distribution too, so FID(train, test) should be at that level — 3× and +0.5 leave
//     room for the floor's own spread and for the network having been trained on the training images (measured:
//     4.5 vs floor 2.4 at n = 1000; 0.38 vs 0.33 at n = 10k). For scale: blur σ = 0.5 px already gives ~10;
//   - corrupting the reference images themselves: at strength 0 the two sets are identical, so FID is 0 up to
//     the rounding of the matrix square root (1e-6); FID strictly increases along the noise levels
//     σ = 0, 0.05, 0.1, 0.2, 0.4, 0.8 and the blur levels σ = 0, 0.5, 1, 1.5, 2 px.
func TestMNISTFIDSanity(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: evaluates the network on 14k images (~15 s)")
	}
	_, net, m := setup(t)
	r, err := Sanity(net, m, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("n=%d: FID(train, test) %.3f, floor FID(train, train') %.3f, features %.2f s", r.N, r.FIDTrainTest, r.FIDTrainHalves, r.FeatureSeconds)
	t.Logf("noise σ %v → FID %.3f", r.NoiseSigmas, r.NoiseFID)
	t.Logf("blur σ %v → FID %.3f", r.BlurSigmas, r.BlurFID)
	if r.FIDTrainTest > 3*r.FIDTrainHalves+0.5 {
		t.Errorf("FID(train, test) = %.3f, want ≤ 3×floor + 0.5 = %.3f", r.FIDTrainTest, 3*r.FIDTrainHalves+0.5)
	}
	for _, c := range []struct {
		name string
		fid  []float64
	}{{"noise", r.NoiseFID}, {"blur", r.BlurFID}} {
		if math.Abs(c.fid[0]) > 1e-6 {
			t.Errorf("%s: FID of the uncorrupted reference images = %.3g, want 0", c.name, c.fid[0])
		}
		for i := 1; i < len(c.fid); i++ {
			if !(c.fid[i] > c.fid[i-1]) {
				t.Errorf("%s: FID not increasing at level %d: %.3f then %.3f", c.name, i, c.fid[i-1], c.fid[i])
			}
		}
	}
}

// TestNewMNISTNeedsBackend: a nil backend is a clear error, not a panic.
func TestNewMNISTNeedsBackend(t *testing.T) {
	if _, err := NewMNIST(nil); err == nil || !strings.Contains(err.Error(), "backend") {
		t.Errorf("NewMNIST(nil): error %v", err)
	}
}
