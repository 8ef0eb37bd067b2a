package pipeline

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
)

// Post-training writes one frame per evaluation: FramePoints 2D points of the 1-step samples, whose score equals
// the curve's 1-step energy at that step exactly (the same evaluation), rounded to 4 decimals (so each coordinate
// is within 5e-5 of a float32 of the sample).
func TestPosttrainWritesFrames(t *testing.T) {
	p, _ := Lookup("toy2d")
	if err := p.Set("pre.steps=30,mid.steps=10,post.steps=20,eval.every=10,post.inits=scratch"); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	r, err := New(p, Options{Out: out, Seed: 2, Backend: backend.MustNew(nil), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Pretrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Posttrain(context.Background(), "scratch"); err != nil {
		t.Fatal(err)
	}
	frames, err := ReadFrames(out, "post_ect_scratch")
	if err != nil {
		t.Fatal(err)
	}
	curve := r.Summary.Posttrain[0].Curve
	if len(frames) != 3 || len(curve) != 3 {
		t.Fatalf("%d frames, %d curve points, want 3 each (steps 0, 10, 20)", len(frames), len(curve))
	}
	for i, f := range frames {
		if f.Step != int(curve[i][0]) || f.Metric != curve[i][1] || f.Dim != 2 || len(f.Samples) != 2*FramePoints {
			t.Errorf("frame %d: step %d metric %g dim %d, %d values; curve point %v", i, f.Step, f.Metric, f.Dim, len(f.Samples), curve[i])
		}
	}
}

// ReadFrames keeps the last frame of a step written twice (a resumed run), returns frames in step order, skips a
// last line cut mid-write, and refuses a corrupt line followed by others.
func TestReadFramesResumeAndTruncation(t *testing.T) {
	dir := t.TempDir()
	path := FramesPath(dir, "post_x")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	body := `{"step":0,"dim":2,"metric":1,"samples":[0,0]}
{"step":10,"dim":2,"metric":2,"samples":[1,1]}
{"step":10,"dim":2,"metric":3,"samples":[1,1]}
{"step":5,"dim":2,"metric":4,"samples":[1,1]}
{"step":20,"dim":2,"met`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	fr, err := ReadFrames(dir, "post_x")
	if err != nil {
		t.Fatal(err)
	}
	if len(fr) != 3 || fr[0].Step != 0 || fr[1].Step != 5 || fr[2].Step != 10 || fr[2].Metric != 3 {
		t.Errorf("frames %+v, want steps 0, 5, 10 with step 10's last metric 3", fr)
	}
	if err := os.WriteFile(path, []byte("{bad\n"+`{"step":0,"dim":2,"metric":1,"samples":[0,0]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFrames(dir, "post_x"); err == nil {
		t.Error("a corrupt line before good ones was accepted")
	}
	if fr, err := ReadFrames(dir, "missing"); err != nil || fr != nil {
		t.Errorf("missing file: %v, %v; want no frames, no error", fr, err)
	}
}
