// Package pipeline runs the paper's three stages end to end — pre-training → CMT mid-training → post-training
// from each initialisation (ECT, ECD, iCT, MeanFlow, LMD) — on 2D data and images, evaluates them, and reports
// them. Every stage is a Method (stages.go, method.go) that Run.Train runs; Run.Steps lists a run's stages for
// experiments/cmt, the sweeps (lib/sweep) and the notebooks (lib/notebook). Presets (preset.go) group the
// settings by stage.
package pipeline
