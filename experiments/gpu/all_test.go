// Package gpu holds the GPU scripts' test: experiments/gpu/all.sh --toy runs every part at toy sizes on the CPU.
package gpu

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAllToy builds the three programs all.sh runs, runs the script with --toy (pure-Go backend, a 2-block U-Net
// of 8 channels, 4 steps per stage) and checks what a GPU run is read by: every part's status line, and the MNIST
// run's summary with a teacher FID and one post-training row per init. The numbers themselves are not checked
// (4 training steps learn nothing); the script's plumbing is.
func TestAllToy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three programs and trains a toy U-Net (≈ 2 min)")
	}
	bin := t.TempDir()
	for name, pkg := range map[string]string{"cmt": "../cmt", "stepbench": "./stepbench", "spmdcheck": "./spmdcheck"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("./all.sh", "--toy")
	cmd.Env = append(os.Environ(), "CMT_GPU_BIN="+bin, "OUT="+out, "CMT_GPU_SKIP_NOTEBOOK=1")
	log, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("all.sh --toy: %v\n%s", err, log)
	}
	parts, err := os.ReadFile(filepath.Join(out, "parts.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mnist PASS", "step PASS", "spmd PASS", "notebook SKIP"} {
		if !strings.Contains(string(parts), want) {
			t.Errorf("parts.txt lacks %q:\n%s", want, parts)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "mnist-gpu", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Teacher struct {
			FID float64 `json:"fid"`
		} `json:"teacher"`
		Posttrain []struct {
			Init string `json:"init"`
		} `json:"posttrain"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if !(s.Teacher.FID > 0) || len(s.Posttrain) != 2 {
		t.Errorf("summary: teacher FID %v (want > 0), %d post-training rows (want 2: cmt, diffusion)", s.Teacher.FID, len(s.Posttrain))
	}
	for _, f := range []string{"mnist-gpu_samples.png", "mnist-gpu_fid_1step.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("figure missing: %v", err)
		}
	}
}
