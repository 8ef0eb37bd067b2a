package train

import (
	"context"
	"runtime/pprof"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// CPU profiles split a run by stage and phase (`go tool pprof -tagfocus phase=checkpoint`), so the labels must say
// "step" while a batch is built and a step runs, "checkpoint" inside OnCheckpoint (where the pipeline evaluates),
// back to "step" after each checkpoint, and be gone when Run returns. Checked on the labels Run sets, at each call.
func TestProfileLabelsFollowThePhase(t *testing.T) {
	st, err := NewStage(backend.MustNew(nil), "lab", "", 2, linearFwd, Config{Steps: 4, LR: 0.05, EMA: 0.5, CheckpointEvery: 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	label := func(key string) string {
		if st.labels == nil {
			return ""
		}
		v, _ := pprof.Label(st.labels, key)
		return v
	}
	var seen []string
	st.OnCheckpoint = func(step int) (any, error) {
		seen = append(seen, label("stage")+"/"+label("phase"))
		return nil, nil
	}
	if _, err := st.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	obj := func(root *model.Scope, in []*Node) *Node {
		return ReduceAllMean(Square(linearFwd(NetScope(root), in[0], nil)))
	}
	batch := func(int) []*tensors.Tensor {
		seen = append(seen, label("stage")+"/"+label("phase"))
		return []*tensors.Tensor{tensors.FromValue([][]float32{{1, 2}})}
	}
	if err := st.Run(context.Background(), obj, batch); err != nil {
		t.Fatal(err)
	}
	want := []string{"lab/checkpoint", "lab/step", "lab/step", "lab/checkpoint", "lab/step", "lab/step", "lab/checkpoint"}
	if len(seen) != len(want) {
		t.Fatalf("labels seen %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("labels seen %v, want %v", seen, want)
		}
	}
	if v := label("phase"); v != "" {
		t.Fatalf("after Run the phase label is %q, want none", v)
	}
}
