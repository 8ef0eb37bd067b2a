package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// linearFwd is a tiny model F(x, t) = x·W (no time dependence) for stage tests.
func linearFwd(net *model.Scope, x, t *Node) *Node {
	w := net.VariableWithShape("w", shapes.Make(dtypes.Float32, 2, 2))
	_ = t
	return MatMul(x, w.NodeValue(x.Graph()))
}

func TestEMAFollowsWeights(t *testing.T) {
	b := backend.MustNew(nil)
	st, err := NewStage(b, "t", "", 2, linearFwd, Config{Steps: 5, LR: 0.1, EMA: 0.5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	x := []float64{1, 2}
	f := st.EMAFunc()
	before := f(x, 2, 1)
	obj := func(root *model.Scope, in []*Node) *Node {
		return ReduceAllMean(Square(linearFwd(NetScope(root), in[0], nil)))
	}
	batch := func(int) []*tensors.Tensor { return []*tensors.Tensor{tensors.FromValue([][]float32{{1, 2}})} }
	if err := st.Run(context.Background(), obj, batch); err != nil {
		t.Fatal(err)
	}
	mid := f(x, 2, 1)
	st.Cfg.Steps = 10
	if err := st.Run(context.Background(), obj, batch); err != nil {
		t.Fatal(err)
	}
	after := f(x, 2, 1)
	t.Logf("EMA output: %v → %v → %v", before, mid, after)
	if before[0] == mid[0] || mid[0] == after[0] {
		t.Fatalf("EMA evaluation did not change with training: %v → %v → %v", before, mid, after)
	}
}

// A NaN in the loss stops the stage with ErrNonFinite and leaves the last good checkpoint (step 2) readable.
func TestNaNStopsAndKeepsCheckpoint(t *testing.T) {
	b := backend.MustNew(nil)
	dir := t.TempDir()
	st, err := NewStage(b, "nan", dir, 2, linearFwd, Config{Steps: 10, LR: 0.01, EMA: 0.9, CheckpointEvery: 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	obj := func(root *model.Scope, in []*Node) *Node {
		return ReduceAllMean(Square(linearFwd(NetScope(root), in[0], nil)))
	}
	batch := func(step int) []*tensors.Tensor {
		v := float32(1)
		if step == 3 {
			v = float32(math.NaN())
		}
		return []*tensors.Tensor{tensors.FromValue([][]float32{{v, 2}})}
	}
	err = st.Run(context.Background(), obj, batch)
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "step 2") {
		t.Fatalf("want ErrNonFinite naming the kept checkpoint at step 2, got %v", err)
	}
	step, err := ReadCheckpointStep(st.CheckpointPath())
	if err != nil || step != 2 {
		t.Fatalf("last good checkpoint: step %d, err %v; want step 2", step, err)
	}
	// A rerun resumes from it.
	st2, _ := NewStage(b, "nan", dir, 2, linearFwd, Config{Steps: 10, LR: 0.01, EMA: 0.9, CheckpointEvery: 2}, 1)
	if resumed, err := st2.Prepare(nil); err != nil || !resumed || st2.Step != 2 {
		t.Fatalf("resume: resumed=%v step=%d err=%v", resumed, st2.Step, err)
	}
}

// A corrupt checkpoint is an error that names the file and says what to do; it is not deleted.
func TestCorruptCheckpointIsClearError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.ckpt")
	if err := os.WriteFile(p, []byte("CMTCKPT1garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, _ := NewStage(backend.MustNew(nil), "x", dir, 2, linearFwd, Config{Steps: 1}, 1)
	_, err := st.Prepare(nil)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "delete") {
		t.Fatalf("want a corrupt-checkpoint error naming %s, got %v", p, err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal("the corrupt checkpoint was removed")
	}
}

// A checkpoint written with other settings is refused with an error naming the changed key, instead of being
// silently resumed under new settings; with the same settings it resumes.
func TestCheckpointSettingsMismatchIsRefused(t *testing.T) {
	b := backend.MustNew(nil)
	dir := t.TempDir()
	cfg := Config{Steps: 2, LR: 0.01, EMA: 0.9}
	obj := func(root *model.Scope, in []*Node) *Node {
		return ReduceAllMean(Square(linearFwd(NetScope(root), in[0], nil)))
	}
	batch := func(int) []*tensors.Tensor { return []*tensors.Tensor{tensors.FromValue([][]float32{{1, 2}})} }
	st, _ := NewStage(b, "fp", dir, 2, linearFwd, cfg, 1)
	st.Fingerprint = `{"post.q":1024,"seed":1}`
	if _, err := st.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Run(context.Background(), obj, batch); err != nil {
		t.Fatal(err)
	}
	again, _ := NewStage(b, "fp", dir, 2, linearFwd, cfg, 1)
	again.Fingerprint = `{"post.q":1024,"seed":1}`
	if resumed, err := again.Prepare(nil); err != nil || !resumed {
		t.Fatalf("same settings: resumed=%v err=%v", resumed, err)
	}
	other, _ := NewStage(b, "fp", dir, 2, linearFwd, cfg, 1)
	other.Fingerprint = `{"post.q":256,"seed":1}`
	_, err := other.Prepare(nil)
	if err == nil || !strings.Contains(err.Error(), "post.q: 1024 → 256") {
		t.Fatalf("want a refusal naming post.q, got %v", err)
	}
}

// The NaN message names the stage's own -set prefix (pre.lr, mid.lr, post.lr), not its checkpoint name.
func TestSettingPrefix(t *testing.T) {
	for stage, want := range map[string]string{"pretrain": "pre", "midtrain": "mid", "midtrain_mf": "mid", "post_ect_cmt": "post", "post_meanflow_scratch": "post"} {
		if got := settingPrefix(stage); got != want {
			t.Errorf("settingPrefix(%q) = %q, want %q", stage, got, want)
		}
	}
}
