// Command compare runs the fair comparison (issue 11): each dataset's sweep file (lib/sweep; the preset with each
// initialisation's tuned post-training recipe, on several seeds), then writes runs/compare/summary.json — per
// dataset and pipeline the final 1- and 2-step energy (mean ± 95 % interval over seeds) and the cost to reach the
// dataset's target energy — a Markdown table and figures (energy vs steps, vs total cost, cost to reach).
//
//	go run ./experiments/compare                       # experiments/sweeps/compare-gmm8{,-mf}.txt, compare-checker.txt
//	go run ./experiments/compare -files a.txt,b.txt    # several datasets
//
// Runs resume after a kill; -report rereads the finished runs only.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocmt/cmt/lib/runlog"
	"github.com/gocmt/cmt/lib/sweep"
)

func main() {
	files := flag.String("files", "experiments/sweeps/compare-gmm8.txt,experiments/sweeps/compare-gmm8-mf.txt,experiments/sweeps/compare-checker.txt",
		"comma-separated compare files (sweep files with a target line), one per dataset and method")
	out := flag.String("out", "runs/compare", "where the runs, summary.json and table.md go")
	figures := flag.String("figures", "figures", "directory for the figures")
	report := flag.Bool("report", false, "do not train: report the runs finished so far")
	summaryDir := flag.String("summary", "", "where summary.json and table.md go (default: -out), e.g. to report one dataset without replacing make compare's")
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected arguments %q", flag.Args()))
	}
	var specs []sweep.Spec
	for _, f := range strings.Split(*files, ",") {
		s, err := sweep.Load(f)
		if err != nil {
			fail(err)
		}
		if s.Target <= 0 {
			fail(fmt.Errorf("%s: a compare file needs a target line (the 1-step energy to measure the cost to reach)", f))
		}
		specs = append(specs, s)
	}
	if !*report {
		if err := sweep.RunAll(specs, func(s sweep.Spec) string { return filepath.Join(*out, s.Name) }, os.Stdout); err != nil {
			fail(err)
		}
	}
	var summary struct {
		Datasets []sweep.Dataset `json:"datasets"`
	}
	var table strings.Builder
	if err := os.MkdirAll(*figures, 0o755); err != nil {
		fail(err)
	}
	for _, s := range specs {
		d, err := sweep.Compare(s, filepath.Join(*out, s.Name), s.Target)
		if err != nil {
			fail(err)
		}
		if len(d.Pipelines) == 0 {
			fail(fmt.Errorf("%s: no finished runs under %s", s.Name, filepath.Join(*out, s.Name)))
		}
		merged := false // a second file on the same data (another method) joins that dataset's pipelines
		for i := range summary.Datasets {
			if summary.Datasets[i].Data == d.Data {
				summary.Datasets[i].Pipelines = append(summary.Datasets[i].Pipelines, d.Pipelines...)
				summary.Datasets[i].Sweep += "," + d.Sweep
				merged = true
			}
		}
		if !merged {
			summary.Datasets = append(summary.Datasets, d)
		}
	}
	for i := range summary.Datasets {
		summary.Datasets[i].PairWithBest() // over every method's pipelines on this data
	}
	for _, d := range summary.Datasets {
		table.WriteString(sweep.CompareTable(d) + "\n")
		paths, err := sweep.CompareFigures(d, *figures)
		if err != nil {
			fail(err)
		}
		fmt.Fprintf(&table, "Figures: %s\n\n", strings.Join(paths, ", "))
	}
	if *summaryDir == "" {
		*summaryDir = *out
	} else if err := os.MkdirAll(*summaryDir, 0o755); err != nil {
		fail(err)
	}
	if err := runlog.WriteJSONAtomic(filepath.Join(*summaryDir, "summary.json"), summary); err != nil {
		fail(err)
	}
	if err := os.WriteFile(filepath.Join(*summaryDir, "table.md"), []byte(table.String()), 0o644); err != nil {
		fail(err)
	}
	fmt.Print(table.String())
	fmt.Printf("wrote %s and %s\n", filepath.Join(*summaryDir, "summary.json"), filepath.Join(*summaryDir, "table.md"))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(1)
}
