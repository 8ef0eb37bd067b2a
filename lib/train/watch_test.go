package train

import (
	"bytes"
	"context"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/progress"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

type recordingWatcher struct {
	stages   map[string]bool
	steps    []int
	losses   []float64
	statuses []progress.Status
}

func (w *recordingWatcher) Progress(stage string, s progress.Status) {
	w.stages[stage] = true
	w.statuses = append(w.statuses, s)
}

func (w *recordingWatcher) Loss(stage string, step int, loss float64) {
	w.stages[stage] = true
	w.steps, w.losses = append(w.steps, step), append(w.losses, loss)
}

// A notebook draws a stage's progress bar and live loss curve from Stage.Watch, so the watcher must see every
// step's loss in order (steps 1..N, the values the optimiser minimised: the loss of this quadratic falls), a
// final finished status with Done = N, only this stage's name, and the text bar must then stay off Out (it would
// duplicate the notebook's bar as log noise).
func TestWatcherSeesEveryLossAndTheFinish(t *testing.T) {
	var out bytes.Buffer
	st, err := NewStage(backend.MustNew(nil), "w", "", 2, linearFwd, Config{Steps: 20, LR: 0.05, EMA: 0.5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	st.Out = &out
	w := &recordingWatcher{stages: map[string]bool{}}
	st.Watch = w
	if _, err := st.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	obj := func(root *model.Scope, in []*Node) *Node {
		return ReduceAllMean(Square(linearFwd(NetScope(root), in[0], nil)))
	}
	batch := func(int) []*tensors.Tensor { return []*tensors.Tensor{tensors.FromValue([][]float32{{1, 2}})} }
	if err := st.Run(context.Background(), obj, batch); err != nil {
		t.Fatal(err)
	}
	if len(w.steps) != 20 {
		t.Fatalf("want 20 losses, got %d", len(w.steps))
	}
	for i, s := range w.steps {
		if s != i+1 {
			t.Fatalf("loss %d reported at step %d, want %d", i, s, i+1)
		}
	}
	if !(w.losses[19] < w.losses[0]) {
		t.Fatalf("losses do not fall on a quadratic: first %g, last %g", w.losses[0], w.losses[19])
	}
	if len(w.statuses) == 0 {
		t.Fatal("no progress status reported")
	}
	last := w.statuses[len(w.statuses)-1]
	if !last.Finished || last.Done != 20 || last.Total != 20 {
		t.Fatalf("last status %+v, want finished at 20/20", last)
	}
	if len(w.stages) != 1 || !w.stages["w"] {
		t.Fatalf("reported stage names %v, want only \"w\"", w.stages)
	}
	if out.Len() != 0 {
		t.Fatalf("the text bar was drawn on Out although a watcher is set: %q", out.String())
	}
}
