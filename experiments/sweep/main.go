// Command sweep runs a sweep file (lib/sweep: preset variants × seeds through the whole pipeline, each run
// resumable), then writes results.jsonl, table.md and one figure per initialisation:
//
//	go run ./experiments/sweep -file experiments/sweeps/backbone.txt
//
// -report only rereads the finished runs and rewrites the report.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gocmt/cmt/lib/runlog"
	"github.com/gocmt/cmt/lib/sweep"
)

func main() {
	file := flag.String("file", "", "sweep file (see lib/sweep.Parse), e.g. experiments/sweeps/backbone.txt")
	out := flag.String("out", "", "where the runs go (default runs/sweep-<name>)")
	figures := flag.String("figures", "figures", "directory for the figures")
	report := flag.Bool("report", false, "do not train: report the runs finished so far")
	flag.Parse()
	if *file == "" || flag.NArg() > 0 {
		fail(fmt.Errorf("usage: sweep -file <sweep file> [-out dir] [-figures dir] [-report]"))
	}
	spec, err := sweep.Load(*file)
	if err != nil {
		fail(err)
	}
	if *out == "" {
		*out = filepath.Join("runs", "sweep-"+spec.Name)
	}
	if !*report {
		if err := sweep.RunAll([]sweep.Spec{spec}, func(sweep.Spec) string { return *out }, os.Stdout); err != nil {
			fail(err)
		}
	}
	res, err := sweep.Collect(spec, *out)
	if err != nil {
		fail(err)
	}
	if len(res) == 0 {
		fail(fmt.Errorf("no finished runs under %s", *out))
	}
	lines := make([]any, len(res))
	for i, r := range res {
		lines[i] = r
	}
	if err := runlog.WriteJSONLinesAtomic(filepath.Join(*out, "results.jsonl"), lines); err != nil {
		fail(err)
	}
	table := sweep.Table(spec, sweep.Aggregate(spec, res))
	if err := os.WriteFile(filepath.Join(*out, "table.md"), []byte(table), 0o644); err != nil {
		fail(err)
	}
	if err := os.MkdirAll(*figures, 0o755); err != nil {
		fail(err)
	}
	paths, err := sweep.Figures(spec, res, *figures)
	if err != nil {
		fail(err)
	}
	if p, err := sweep.TeacherFigure(spec, *out, *figures); err != nil {
		fail(err)
	} else if p != "" {
		paths = append(paths, p)
	}
	fmt.Print(table)
	fmt.Printf("wrote %s, %s and %v\n", filepath.Join(*out, "results.jsonl"), filepath.Join(*out, "table.md"), paths)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sweep:", err)
	os.Exit(1)
}
