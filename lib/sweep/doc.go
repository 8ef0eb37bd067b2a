// Package sweep runs a grid of preset variants × seeds through the pipeline (each run in its own folder, resumed
// after a kill), then reads the runs' summary.json files back and reports each variant's final metrics as a mean
// with a 95 % interval over seeds, as a table, a jsonl file and figures. experiments/sweep is its command.
package sweep
