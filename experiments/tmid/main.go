// Command tmid chooses the 2-step sampler's t_mid after training: it reopens finished runs, scores each named model
// with the 2-step sampler at every t_mid of a grid (pipeline.Run.TwoStepByTMid: the final weights, the run's fixed
// noise, FID for images and the energy distance otherwise) and prints, per model, the score at each t_mid (mean ±
// 95 % interval over the runs given for it) and the t_mid with the lowest mean. Nothing is trained.
//
//	go run ./experiments/tmid -tmid 0.2,0.4,0.8,1.6,3.2 none=runs/a/s0 cmt=runs/a/s0 diffusion=runs/b/s0 scratch=runs/c/s0
//
// A model is init=run-folder: "none" is the student as it leaves mid-training, cmt, diffusion or scratch that
// init's post-training run; name an init several times (one folder per seed) to average over seeds. -json writes
// every score as one JSON line.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/pipeline"
	"github.com/gocmt/cmt/lib/sweep"
)

func main() {
	grid := flag.String("tmid", "0.2,0.4,0.8,1.6,3.2", "comma-separated t_mid values (EDM time σ; flow maps: t in (0, 1))")
	jsonOut := flag.String("json", "", "write every score as a JSON line to this file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: tmid [-tmid list] [-json file] init=run-folder ...   (init: none, cmt, diffusion, scratch)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*grid, *jsonOut, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tmid:", err)
		os.Exit(1)
	}
}

// model is one init=folder argument.
type model struct{ init, dir string }

// score is one JSON line of -json.
type score struct {
	Init string  `json:"init"`
	Run  string  `json:"run"`
	Seed int64   `json:"seed"`
	TMid float64 `json:"t_mid"`
	Two  float64 `json:"two_step"`
	Unit string  `json:"unit"`
}

func run(grid, jsonOut string, args []string, w io.Writer) error {
	tMids, err := parseGrid(grid)
	if err != nil {
		return err
	}
	models, err := parseModels(args)
	if err != nil {
		return err
	}
	var sink io.Writer = io.Discard
	if jsonOut != "" {
		f, err := os.Create(jsonOut)
		if err != nil {
			return err
		}
		defer f.Close()
		sink = f
	}
	be, err := backend.New(os.Stderr)
	if err != nil {
		return err
	}
	byInit := map[string][][]float64{} // init → per run, the score at each t_mid
	var order []string
	unit := ""
	for _, m := range models {
		r, err := pipeline.OpenFinished(m.dir, filepath.Join(os.TempDir(), "tmid-figures"), pipeline.Options{Backend: be, Log: io.Discard})
		if err != nil {
			return fmt.Errorf("%s: %w", m.dir, err)
		}
		scores, err := r.TwoStepByTMid(m.init, tMids)
		r.Log.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", m.dir, err)
		}
		unit = "energy"
		if r.P.Images() {
			unit = "FID"
		}
		row := make([]float64, len(scores))
		for i, s := range scores {
			row[i] = s.Value
			b, _ := json.Marshal(score{m.init, m.dir, r.O.Seed, s.TMid, s.Value, unit})
			fmt.Fprintf(sink, "%s\n", b)
			fmt.Fprintf(os.Stderr, "%s %s t_mid %g: 2-step %s %.4g\n", m.dir, m.init, s.TMid, unit, s.Value)
		}
		if _, ok := byInit[m.init]; !ok {
			order = append(order, m.init)
		}
		byInit[m.init] = append(byInit[m.init], row)
	}
	fmt.Fprintf(w, "2-step %s by t_mid (mean ± 95 %% interval over the runs given; lowest mean in bold)\n\n", unit)
	fmt.Fprintf(w, "| model | runs |")
	for _, tm := range tMids {
		fmt.Fprintf(w, " t_mid %g |", tm)
	}
	fmt.Fprintf(w, " chosen |\n|---|---|%s---|\n", strings.Repeat("---|", len(tMids)))
	for _, init := range order {
		rows := byInit[init]
		best, bestMean := 0, math.Inf(1)
		cells := make([]sweep.Interval, len(tMids))
		for j := range tMids {
			col := make([]float64, len(rows))
			for i, row := range rows {
				col[i] = row[j]
			}
			cells[j] = sweep.Mean95(col)
			if cells[j].Mean < bestMean {
				best, bestMean = j, cells[j].Mean
			}
		}
		name := init
		if init == "none" {
			name = "student (no post-training)"
		}
		fmt.Fprintf(w, "| %s | %d |", name, len(rows))
		for j, c := range cells {
			cell := c.String()
			if len(rows) == 1 {
				cell = strconv.FormatFloat(c.Mean, 'g', 3, 64)
			}
			if j == best {
				cell = "**" + cell + "**"
			}
			fmt.Fprintf(w, " %s |", cell)
		}
		fmt.Fprintf(w, " %g |\n", tMids[best])
	}
	return nil
}

// parseGrid reads the comma-separated t_mid list: positive numbers.
func parseGrid(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(v > 0) {
			return nil, fmt.Errorf("-tmid %q: %q is not a positive number", s, f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseModels reads the init=folder arguments.
func parseModels(args []string) ([]model, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no models: name them as init=run-folder (init: none, cmt, diffusion, scratch)")
	}
	var out []model
	for _, a := range args {
		init, dir, ok := strings.Cut(a, "=")
		switch {
		case !ok || dir == "":
			return nil, fmt.Errorf("%q: want init=run-folder", a)
		case init != "none" && init != "cmt" && init != "diffusion" && init != "scratch":
			return nil, fmt.Errorf("%q: init %q: want none, cmt, diffusion or scratch", a, init)
		}
		out = append(out, model{init, dir})
	}
	return out, nil
}
