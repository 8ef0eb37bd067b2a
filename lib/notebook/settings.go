package notebook

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
)

// ShowSettings shows the mode (quick or full), every setting the two modes differ in, the compute backend, and
// where the run's checkpoints and the figures go.
func (b *Book) ShowSettings() {
	b.Must(b.backendOnce())
	quick, err := b.Resolve(false)
	b.Must(err)
	full, err := b.Resolve(true)
	b.Must(err)
	qm, fm := presetMap(quick), presetMap(full)
	var rows [][]string
	for _, kv := range strings.Split(b.Quick, ",") {
		k, _, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			continue
		}
		rows = append(rows, []string{k, qm[k], fm[k]})
	}
	mode, other := "quick", "full = true"
	if b.Full {
		mode, other = "full", "full = false"
	}
	b.Table(fmt.Sprintf("Settings: %s (set %s in this cell and run all cells again to switch)", mode, other),
		[]string{"setting", "quick", "full"}, rows)
	if b.CellSet != "" {
		b.Note(fmt.Sprintf("this cell's overrides (%%%% --set): %s", b.CellSet))
	} else {
		b.Note(`one cell's own settings: start it with %% --set="post.q=64;post.lr=3e-4" (keys as in preset.json); its run folder keys on the result`)
	}
	b.Note(b.backendLine)
	b.Note(fmt.Sprintf("checkpoints and logs: %s (a rerun resumes from them; delete the folder to train again)", b.rel(b.RunDir)))
	b.Note("figures: " + b.rel(b.FigDir))
}

// presetMap renders a preset's settings as strings by key.
func presetMap(p any) map[string]string {
	raw, _ := json.Marshal(p)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// rel is path relative to the repository root when it lies inside it.
func (b *Book) rel(path string) string {
	if r, err := filepath.Rel(b.Root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r + "/"
	}
	return path
}
