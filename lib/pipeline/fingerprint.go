package pipeline

import (
	"encoding/json"
	"strings"
)

// fingerprint is the JSON object of the settings a stage depends on: the global keys (data, time convention,
// backbone, dit.*), the seed, and the keys of its own and earlier stages ("pre." for pre-training; "pre." and "mid." for
// mid-training; all three for post-training). Evaluation settings and the list of inits are left out: changing
// them does not invalidate trained weights.
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
	b, _ := json.Marshal(r.P)
	var all map[string]any
	_ = json.Unmarshal(b, &all)
	keep := map[string]any{"seed": r.O.Seed}
	for k, v := range all {
		if k == "preset" || k == "post.inits" {
			continue
		}
		if !strings.Contains(k, ".") || strings.HasPrefix(k, "dit.") || strings.HasPrefix(k, "mlp.") {
			keep[k] = v
		}
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				keep[k] = v
			}
		}
	}
	out, _ := json.Marshal(keep) // map keys are sorted: the same settings give the same string
	return string(out)
}
