package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cifar10TestRecords is the number of records the synthetic files hold (the real ones hold 10000).
const cifar10TestRecords = 7

// cifar10TestPixel is the byte the synthetic set stores at position pos (0..3071) of the global image number img
// (training images 0..34 in file order, then test images 35..41): a formula, so expected values are known exactly.
func cifar10TestPixel(img, pos int) uint8 { return uint8((img*31 + pos*7) % 256) }

// cifar10TestLabel is the label of global image img.
func cifar10TestLabel(img int) uint8 { return uint8((img * 3) % 10) }

// writeCIFAR10Files writes the six binary files, cifar10TestRecords records each, into a new directory.
func writeCIFAR10Files(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := append(append([]string{}, cifar10TrainFiles...), cifar10TestFile)
	img := 0
	for _, f := range files {
		var b []byte
		for r := 0; r < cifar10TestRecords; r++ {
			b = append(b, cifar10TestLabel(img))
			for pos := 0; pos < CIFAR10Dim; pos++ {
				b = append(b, cifar10TestPixel(img, pos))
			}
			img++
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLoadCIFAR10Synthetic checks, on a synthetic set with known bytes, that every pixel of every image comes back
// as exactly p/127.5 − 1 in file order (train = data_batch_1..5 concatenated, test = test_batch), that labels are in
// order, and that Dataset metadata are right. The mapping is one float64 division: compared to 1e-15.
func TestLoadCIFAR10Synthetic(t *testing.T) {
	dir := writeCIFAR10Files(t)
	c, err := LoadCIFAR10(dir)
	if err != nil {
		t.Fatal(err)
	}
	nTrain := len(cifar10TrainFiles) * cifar10TestRecords
	if c.NumTrain() != nTrain || c.NumTest() != cifar10TestRecords {
		t.Fatalf("got %d train / %d test images, want %d / %d", c.NumTrain(), c.NumTest(), nTrain, cifar10TestRecords)
	}
	if c.Name() != "cifar10" || c.Dim() != 3072 {
		t.Fatalf("Name %q Dim %d, want cifar10 3072", c.Name(), c.Dim())
	}
	check := func(what string, imgs []float64, first int) {
		t.Helper()
		for i := 0; i*CIFAR10Dim < len(imgs); i++ {
			for pos := 0; pos < CIFAR10Dim; pos++ {
				want := float64(cifar10TestPixel(first+i, pos))/127.5 - 1
				if got := imgs[i*CIFAR10Dim+pos]; got != want {
					t.Fatalf("%s image %d pixel %d = %v, want %v", what, i, pos, got, want)
				}
			}
		}
	}
	check("train", c.TrainImages(), 0)
	check("test", c.TestImages(), nTrain)
	check("train range", c.TrainRange(9, 3), 9)
	for i, l := range c.TrainLabels() {
		if l != cifar10TestLabel(i) {
			t.Fatalf("train label %d = %d, want %d", i, l, cifar10TestLabel(i))
		}
	}
	for i, l := range c.TestLabels() {
		if l != cifar10TestLabel(nTrain+i) {
			t.Fatalf("test label %d = %d, want %d", i, l, cifar10TestLabel(nTrain+i))
		}
	}
	// Channel-major layout: value (channel ch, row y, column x) is at ch·1024 + y·32 + x, the file's byte order;
	// file byte 1024 of a record is the green value of pixel (0, 0).
	img := c.TrainRange(0, 1)
	if want := float64(cifar10TestPixel(0, 1024))/127.5 - 1; img[1*1024+0*32+0] != want {
		t.Fatalf("green(0,0) = %v, want %v", img[1024], want)
	}
}

// TestCIFAR10Sample checks that Sample returns n whole training images (each equal, exactly, to one of the 35
// training images and never to a test image), that every value is in [−1, 1], and that n ≤ 0 gives an empty slice.
func TestCIFAR10Sample(t *testing.T) {
	c, err := LoadCIFAR10(writeCIFAR10Files(t))
	if err != nil {
		t.Fatal(err)
	}
	train := c.TrainImages()
	const n = 20
	s := c.Sample(newRNG(1), n)
	if len(s) != n*CIFAR10Dim {
		t.Fatalf("len = %d, want %d", len(s), n*CIFAR10Dim)
	}
	for i := 0; i < n; i++ {
		img := s[i*CIFAR10Dim : (i+1)*CIFAR10Dim]
		found := false
		for k := 0; k < c.NumTrain() && !found; k++ {
			found = equalFloats(img, train[k*CIFAR10Dim:(k+1)*CIFAR10Dim])
		}
		if !found {
			t.Fatalf("sample %d is not a training image", i)
		}
		for _, v := range img {
			if v < -1 || v > 1 {
				t.Fatalf("sample %d has value %v outside [-1, 1]", i, v)
			}
		}
	}
	if got := c.Sample(newRNG(1), 0); len(got) != 0 {
		t.Fatalf("Sample(0) has %d values, want 0", len(got))
	}
}

func equalFloats(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLoadCIFAR10Errors checks the error messages: missing directory, unset env var, missing files (each missing
// file named, plus the download URL), a corrupt file (size not a multiple of 3073), a bad label; and that dir ""
// falls back to $CMT_CIFAR10_DIR.
func TestLoadCIFAR10Errors(t *testing.T) {
	wantErr := func(err error, parts ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("got no error, want one mentioning %q", parts)
		}
		for _, p := range parts {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not mention %q", err, p)
			}
		}
	}
	_, err := LoadCIFAR10(filepath.Join(t.TempDir(), "nope"))
	wantErr(err, "does not exist", CIFAR10URL, "cifar-10-batches-bin")

	t.Setenv(CIFAR10DirEnv, "")
	_, err = LoadCIFAR10("")
	wantErr(err, CIFAR10DirEnv, CIFAR10URL)

	dir := writeCIFAR10Files(t)
	t.Setenv(CIFAR10DirEnv, dir)
	if c, err := LoadCIFAR10(""); err != nil || c.Dir != dir {
		t.Fatalf("LoadCIFAR10(\"\") with $%s set: %v (dir %q)", CIFAR10DirEnv, err, c.Dir)
	}

	for _, f := range []string{"data_batch_3.bin", "test_batch.bin"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = LoadCIFAR10(dir)
	wantErr(err, "data_batch_3.bin", "test_batch.bin", CIFAR10URL)
	if strings.Contains(err.Error(), "data_batch_1.bin") {
		t.Fatalf("error %q names a file that is present", err)
	}

	dir = writeCIFAR10Files(t)
	p := filepath.Join(dir, "data_batch_2.bin")
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, b[:len(b)-5], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCIFAR10(dir)
	wantErr(err, "data_batch_2.bin", "corrupt", "3073")

	dir = writeCIFAR10Files(t)
	p = filepath.Join(dir, "data_batch_4.bin")
	b, _ = os.ReadFile(p)
	b[cifar10Record] = 10 // label of the second record
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCIFAR10(dir)
	wantErr(err, "data_batch_4.bin", "record 1", "label 10")
}
