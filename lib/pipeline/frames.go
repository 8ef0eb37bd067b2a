package pipeline

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// Frame is a small subset of the 1-step samples one post-training evaluation drew (the evaluator's fixed noise, so
// frames of every step and init show the same draws), kept for browsing training in a notebook: Samples is flat
// [n·Dim], rounded to 4 decimals; Metric is the evaluation's 1-step score (energy distance, or FID on images).
type Frame struct {
	Step    int       `json:"step"`
	Dim     int       `json:"dim"`
	Metric  float64   `json:"metric"`
	Samples []float32 `json:"samples"`
}

// Points kept per frame: 2D data shows a scatter of FramePoints points, images a row of FrameImages images.
const (
	FramePoints = 500
	FrameImages = 8
)

// FramesPath is the file holding a post-training stage's frames, one JSON object per line.
func FramesPath(runDir, stage string) string { return filepath.Join(runDir, "frames", stage+".jsonl") }

// saveFrame appends a frame of the 1-step samples one (flat [n·dim]) scored m at step to the stage's frames file.
func (r *Run) saveFrame(stage string, step int, one []float64, m SampleMetrics) error {
	dim := r.Data.Dim()
	n := FramePoints
	if r.P.Images() {
		n = FrameImages
	}
	n = min(n, len(one)/dim)
	f := Frame{Step: step, Dim: dim, Metric: m.Energy, Samples: make([]float32, n*dim)}
	if m.FID != nil {
		f.Metric = *m.FID
	}
	for i := range f.Samples {
		f.Samples[i] = float32(math.Round(one[i]*1e4) / 1e4)
	}
	path := FramesPath(r.O.Out, stage)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	w, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// ReadFrames returns a stage's frames in step order, one per step (a step evaluated twice, by a run killed after
// the evaluation and resumed, keeps its last frame: the same numbers). A missing file gives no frames and no error;
// a last line cut by a kill mid-write is skipped.
func ReadFrames(runDir, stage string) ([]Frame, error) {
	path := FramesPath(runDir, stage)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	byStep := map[int]Frame{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var bad error
	for line := 1; sc.Scan(); line++ {
		if bad != nil { // a bad line that is not the last one: the file is corrupt
			return nil, bad
		}
		var fr Frame
		if err := json.Unmarshal(sc.Bytes(), &fr); err != nil {
			bad = fmt.Errorf("%s line %d: %w (delete the file to drop the frames)", path, line, err)
			continue
		}
		byStep[fr.Step] = fr
	}
	out := make([]Frame, 0, len(byStep))
	for _, fr := range byStep {
		out = append(out, fr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Step < out[j].Step })
	return out, sc.Err()
}

// EvalWatcher, when Options.Watch also implements it, sees every post-training evaluation as it is scored: the
// stage, the step and the 1-step score (energy distance, or FID on images). Notebooks draw it as a live curve.
type EvalWatcher interface {
	Evaluated(stage string, step int, one float64)
}

// evaluated tells the run's EvalWatcher, if any, about an evaluation.
func (r *Run) evaluated(stage string, step int, m SampleMetrics) {
	ew, ok := r.O.Watch.(EvalWatcher)
	if !ok {
		return
	}
	v := m.Energy
	if m.FID != nil {
		v = *m.FID
	}
	ew.Evaluated(stage, step, v)
}
