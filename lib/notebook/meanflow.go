package notebook

import (
	"fmt"
	"path/filepath"

	"github.com/gocmt/cmt/lib/pipeline"
)

// FlowMapFigures shows the figures of a flow-map run (preset toy2d-mf, after its stage "all", which writes them):
// the 1-, 2- and 4-step samples of the CMT-MF student and of every post-trained map (each panel titled with its
// energy distance² to the data), then the 1- and 2-step energy curves of post-training side by side.
func (b *Book) FlowMapFigures(r *pipeline.Run) {
	if !r.P.FlowMap() {
		b.Fail(fmt.Errorf("FlowMapFigures needs a flow-map run (preset toy2d-mf), not post.method %q", r.P.PostMethod))
		return
	}
	fig := func(what string) string { return filepath.Join(r.O.Figures, r.P.Name+"_"+what+".png") }
	b.Show(fig("fewstep"))
	b.Show(fig("energy_1step"), fig("energy_2step"))
}
