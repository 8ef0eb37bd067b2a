package pipeline

import (
	"encoding/json"
	"path/filepath"
	"strings"
)

// fingerprint is the JSON object of the settings a stage depends on: the global keys (data, time convention,
// backbone, dit.*, unet.*), the seed, and the keys of its own and earlier stages ("pre." for pre-training; "pre." and "mid." for
// mid-training; all three for post-training). The list of inits and the evaluation settings are left out, except
// in post-training: its checkpoint also holds the evaluation curve measured so far, so the settings that curve
// depends on (curveKeys; eval.t_mid is the init's own) belong to its fingerprint, and a rerun with other ones does
// not resume a curve measured differently.
func (r *Run) fingerprint(stage string) string {
	var prefixes []string
	switch {
	case strings.HasPrefix(stage, "pre"):
		prefixes = []string{"pre."}
	case strings.HasPrefix(stage, "mid"):
		prefixes = []string{"pre.", "mid."}
	default:
		prefixes = []string{"pre.", "mid.", "post."}
	}
	p := r.P
	if strings.HasPrefix(stage, "post_") { // post_<method>_<init>: that init's own recipe
		p = p.ForInit(stage[strings.LastIndex(stage, "_")+1:])
	}
	p.RecipeCMT, p.RecipeDiffusion, p.RecipeScratch = "", "", ""
	b, _ := json.Marshal(p)
	var all map[string]any
	_ = json.Unmarshal(b, &all)
	keep := map[string]any{"seed": r.O.Seed}
	for k, v := range all {
		if k == "preset" || k == "post.inits" {
			continue
		}
		if !strings.Contains(k, ".") || strings.HasPrefix(k, "dit.") || strings.HasPrefix(k, "unet.") ||
			strings.HasPrefix(k, "mlp.") {
			keep[k] = v
		}
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				keep[k] = v
			}
		}
		if strings.HasPrefix(stage, "post") && curveKeys[k] {
			keep[k] = v
		}
	}
	out, _ := json.Marshal(keep) // map keys are sorted: the same settings give the same string
	return string(out)
}

// curveKeys are the evaluation settings a post-training checkpoint's curve depends on.
var curveKeys = map[string]bool{"eval.t_mid": true, "eval.samples": true, "eval.every": true, "eval.energy": true,
	"eval.sw2_proj": true}

// SharedStages are the stages a run may take from another run with the same settings (a sweep over post-training
// recipes trains each seed's teacher and CMT student once): pre-training and mid-training.
func (r *Run) SharedStages() []string {
	if r.P.FlowMap() {
		return []string{"pretrain", "midtrain_mf"}
	}
	return []string{"pretrain", "midtrain"}
}

// StageFingerprint is the settings fingerprint a stage's checkpoint must carry to be resumed by this run.
func (r *Run) StageFingerprint(stage string) string { return r.fingerprint(stage) }

// CheckpointPath is where this run keeps a stage's checkpoint (train.Stage.CheckpointPath for the same stage).
func (r *Run) CheckpointPath(stage string) string { return filepath.Join(r.ckptDir(), stage+".ckpt") }

// ckptDir is the run's checkpoint folder.
func (r *Run) ckptDir() string { return filepath.Join(r.O.Out, "ckpt") }
