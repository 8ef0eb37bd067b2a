package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/gocmt/cmt/lib/train"
)

const quick = "pre.steps=400,mid.steps=300,post.steps=300,eval.every=100,mid.trajectories=1024"

func build(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "cmt")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func summary(t *testing.T, dir string) map[string]any {
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// A run killed with SIGKILL in the middle of post-training and started again resumes from its last checkpoint,
// finishes, and — because data, noise and the in-graph RNG state are all functions of (seed, step) or saved in
// the checkpoint — reports exactly the numbers of an uninterrupted run (same seed, same CPU backend).
func TestKillResumeMatchesUninterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the pipeline twice")
	}
	bin := build(t)
	run := func(out string) *exec.Cmd {
		c := exec.Command(bin, "-out", out, "-figures", filepath.Join(out, "fig"), "-set", quick, "-seed", "3")
		c.Env = append(os.Environ(), "GOMLX_BACKEND=go")
		return c
	}
	a := t.TempDir()
	if out, err := run(a).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	b := t.TempDir()
	c := run(b)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(b, "ckpt", "post_ect_cmt.ckpt")
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if st, err := train.ReadCheckpointStep(ckpt); err == nil && st >= 100 {
			break
		}
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatal("no post-training checkpoint appeared")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = c.Process.Signal(syscall.SIGKILL)
	_ = c.Wait()
	if _, err := os.Stat(filepath.Join(b, "summary.json")); err == nil {
		t.Fatal("the run finished before it was killed: nothing was tested")
	}
	if out, err := run(b).CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	sa, sb := summary(t, a), summary(t, b)
	if !reflect.DeepEqual(sa["posttrain"], sb["posttrain"]) {
		t.Fatalf("resumed run differs from the uninterrupted one:\n%v\n%v", sa["posttrain"], sb["posttrain"])
	}
}

// Bad flags give a clear error and a non-zero exit, before any work.
func TestBadFlags(t *testing.T) {
	bin := build(t)
	for _, args := range [][]string{{"-preset", "nope"}, {"-set", "post.q=abc"}, {"-set", "nokey=1"}, {"-set", "post.inits=cmt,foo"}, {"-set", "mid.distance=l7"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err == nil {
			t.Errorf("%v: want an error, got success:\n%s", args, out)
		}
		if len(out) == 0 || len(out) > 600 {
			t.Errorf("%v: want one clear line, got %q", args, out)
		}
	}
}
