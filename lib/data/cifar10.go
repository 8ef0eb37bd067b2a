package data

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// CIFAR-10 geometry and names.
const (
	NameCIFAR10     = "cifar10"
	CIFAR10Side     = 32                                          // image height = width, pixels
	CIFAR10Channels = 3                                           // R, G, B
	CIFAR10Dim      = CIFAR10Channels * CIFAR10Side * CIFAR10Side // 3072 values per image, channel-major
	CIFAR10DirEnv   = "CMT_CIFAR10_DIR"                           // directory used when LoadCIFAR10 is given ""
	CIFAR10URL      = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
)

// cifar10Record is the size of one record of the binary files: 1 label byte then 3072 pixel bytes.
const cifar10Record = 1 + CIFAR10Dim

// cifar10TrainFiles and cifar10TestFile are the files of the binary version, inside cifar-10-batches-bin/.
var (
	cifar10TrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifar10TestFile   = "test_batch.bin"
)

// CIFAR10 holds the CIFAR-10 training (50000) and test (10000) images of the binary version. Pixels are kept as
// bytes; every accessor returns float64 in [−1, 1] (byte p ↦ p/127.5 − 1), channel-major: an image is the R plane,
// then G, then B, each 32×32 row-major, 3072 values. Labels are classes 0..9. As a Dataset it samples training
// images uniformly with replacement (Name "cifar10", Dim 3072). A CIFAR10 is read-only and safe for concurrent use.
type CIFAR10 struct {
	Dir         string  // directory the files were read from
	train, test []uint8 // raw pixels [n·3072]
	trainLabels []uint8 // [NumTrain]
	testLabels  []uint8 // [NumTest]
}

// LoadCIFAR10 reads the six files of the binary version (data_batch_1..5.bin, test_batch.bin) from dir; dir ""
// means $CMT_CIFAR10_DIR. A missing directory or file gives an error listing the missing files and where to get
// them; a file whose size is not a whole number of 3073-byte records is reported as corrupt.
func LoadCIFAR10(dir string) (*CIFAR10, error) {
	if dir == "" {
		dir = os.Getenv(CIFAR10DirEnv)
	}
	howTo := fmt.Sprintf("download %s, unpack it (tar xzf) and pass the cifar-10-batches-bin directory (or set $%s to it)",
		CIFAR10URL, CIFAR10DirEnv)
	if dir == "" {
		return nil, fmt.Errorf("data: no CIFAR-10 directory given and $%s is unset: %s", CIFAR10DirEnv, howTo)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("data: CIFAR-10 directory %q does not exist or is not a directory: %s", dir, howTo)
	}
	all := append(append([]string{}, cifar10TrainFiles...), cifar10TestFile)
	var missing []string
	for _, f := range all {
		if _, err := os.Stat(filepath.Join(dir, f)); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("data: CIFAR-10 directory %q lacks %s: %s", dir, strings.Join(missing, ", "), howTo)
	}
	c := &CIFAR10{Dir: dir}
	for _, f := range cifar10TrainFiles {
		px, lab, err := readCIFAR10File(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		c.train = append(c.train, px...)
		c.trainLabels = append(c.trainLabels, lab...)
	}
	px, lab, err := readCIFAR10File(filepath.Join(dir, cifar10TestFile))
	if err != nil {
		return nil, err
	}
	c.test, c.testLabels = px, lab
	return c, nil
}

// readCIFAR10File splits one binary file into pixels [n·3072] and labels [n], checking the record structure.
func readCIFAR10File(path string) (pixels, labels []uint8, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("data: reading CIFAR-10 file: %w", err)
	}
	if len(b) == 0 || len(b)%cifar10Record != 0 {
		return nil, nil, fmt.Errorf("data: CIFAR-10 file %s is corrupt: %d bytes is not a positive multiple of the %d-byte record; download it again from %s",
			path, len(b), cifar10Record, CIFAR10URL)
	}
	n := len(b) / cifar10Record
	pixels = make([]uint8, 0, n*CIFAR10Dim)
	labels = make([]uint8, n)
	for i := 0; i < n; i++ {
		rec := b[i*cifar10Record : (i+1)*cifar10Record]
		if rec[0] > 9 {
			return nil, nil, fmt.Errorf("data: CIFAR-10 file %s is corrupt: record %d has label %d (want 0..9)", path, i, rec[0])
		}
		labels[i] = rec[0]
		pixels = append(pixels, rec[1:]...)
	}
	return pixels, labels, nil
}

// Name is "cifar10".
func (c *CIFAR10) Name() string { return NameCIFAR10 }

// Dim is 3072.
func (c *CIFAR10) Dim() int { return CIFAR10Dim }

// NumTrain is the number of training images (50000 for the real files).
func (c *CIFAR10) NumTrain() int { return len(c.trainLabels) }

// NumTest is the number of test images (10000 for the real files).
func (c *CIFAR10) NumTest() int { return len(c.testLabels) }

// Sample draws n training images uniformly with replacement, as [n·3072] in [−1, 1]. n ≤ 0 gives an empty slice.
func (c *CIFAR10) Sample(rng *rand.Rand, n int) []float64 {
	if n <= 0 {
		return []float64{}
	}
	out := make([]float64, n*CIFAR10Dim)
	for i := 0; i < n; i++ {
		k := rng.IntN(c.NumTrain())
		cifar10Scale(out[i*CIFAR10Dim:(i+1)*CIFAR10Dim], c.train[k*CIFAR10Dim:(k+1)*CIFAR10Dim])
	}
	return out
}

// TrainRange returns training images start..start+n−1 as [n·3072] in [−1, 1]. It panics if the range is outside
// 0..NumTrain.
func (c *CIFAR10) TrainRange(start, n int) []float64 { return cifar10Range(c.train, start, n) }

// TestRange returns test images start..start+n−1 as [n·3072] in [−1, 1]. It panics if the range is outside
// 0..NumTest.
func (c *CIFAR10) TestRange(start, n int) []float64 { return cifar10Range(c.test, start, n) }

// TrainImages returns all training images [NumTrain·3072] in [−1, 1] (1.2 GB for the real set; prefer TrainRange).
func (c *CIFAR10) TrainImages() []float64 { return c.TrainRange(0, c.NumTrain()) }

// TestImages returns all test images [NumTest·3072] in [−1, 1] (246 MB for the real set).
func (c *CIFAR10) TestImages() []float64 { return c.TestRange(0, c.NumTest()) }

// TrainLabels returns a copy of the training labels [NumTrain], classes 0..9.
func (c *CIFAR10) TrainLabels() []uint8 { return append([]uint8{}, c.trainLabels...) }

// TestLabels returns a copy of the test labels [NumTest], classes 0..9.
func (c *CIFAR10) TestLabels() []uint8 { return append([]uint8{}, c.testLabels...) }

// cifar10Range converts images start..start+n−1 of pixels [N·3072] to [−1, 1].
func cifar10Range(pixels []uint8, start, n int) []float64 {
	total := len(pixels) / CIFAR10Dim
	if start < 0 || n < 0 || start+n > total {
		panic(fmt.Sprintf("data: CIFAR-10 range [%d, %d) outside the %d images", start, start+n, total))
	}
	out := make([]float64, n*CIFAR10Dim)
	cifar10Scale(out, pixels[start*CIFAR10Dim:(start+n)*CIFAR10Dim])
	return out
}

// cifar10Scale writes p/127.5 − 1 for each byte p of src into dst (same length).
func cifar10Scale(dst []float64, src []uint8) {
	for i, p := range src {
		dst[i] = float64(p)/127.5 - 1
	}
}
