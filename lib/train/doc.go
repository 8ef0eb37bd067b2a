// Package train runs one training stage (pre-training, CMT mid-training, post-training) of the pipeline: Adam on
// the variables under /net of the stage's own Store, an exponential moving average of them under /ema/net, a
// linear or constant learning rate, crash-safe checkpoints that a rerun resumes from, a JSON-lines log, a progress
// bar, and a hard stop with a clear message when the loss stops being finite.
package train
