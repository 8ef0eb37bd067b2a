package bias

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gocmt/cmt/lib/data"
)

// TReport is the measurement at one further time t, at the spine's Δt only.
type TReport struct {
	T       float64     `json:"t"`
	Node    float64     `json:"node"` // position on the CMT grid, t = T·(σ_min/T)^(node/steps); fractional = between nodes
	SpineDt float64     `json:"spine_dt"`
	N       int         `json:"n"`
	Inits   []TInitStat `json:"inits"`
	// Ratio is the ECT bias of the diffusion init over that of the spine's CMT init.
	Ratio   float64 `json:"bias_ratio_diffusion_over_cmt"`
	RatioSE float64 `json:"bias_ratio_se"`
}

// TInitStat is one init at one further time.
type TInitStat struct {
	Init string  `json:"init"`
	Eps  float64 `json:"eps"`
	Grad Measure `json:"grad"`
	Rows []Row   `json:"rows"` // one per surrogate, at the spine's Δt
}

// extraSets builds the samples for the -extra-nodes times: N/4 samples in 8 batches, the spine's Δt only. A node
// position k gives t = grid[k] for whole k and the log-uniform interpolation T·(σ_min/T)^(k/steps) between nodes.
func extraSets(c *studyConfig, o *Oracle, g *data.GMM, grid []float64, sigmaMin float64) ([]*Set, []float64, error) {
	if strings.TrimSpace(c.extraNodes) == "" {
		return nil, nil, nil
	}
	var out []*Set
	var nodes []float64
	steps := float64(len(grid) - 1)
	for _, f := range strings.Split(c.extraNodes, ",") {
		k, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || k < 0 || k > steps-1 {
			return nil, nil, fmt.Errorf("-extra-nodes %q: want node positions in 0 … %g", c.extraNodes, steps-1)
		}
		t := grid[0] * math.Pow(grid[len(grid)-1]/grid[0], k/steps)
		if k == math.Trunc(k) {
			t = grid[int(k)]
		}
		n := max(c.n/4, 16)
		set, err := NewSet(o, g, SetConfig{T: t, Rhos: []float64{SpineRho(t, c.q)}, N: n, Batch: n / 8,
			SigmaMin: sigmaMin, Seed: uint64(c.seed) + 10 + uint64(4*k)})
		if err != nil {
			return nil, nil, err
		}
		out, nodes = append(out, set), append(nodes, k)
	}
	return out, nodes, nil
}

// appendByT records init's result r on the k-th further set.
func appendByT(by []TReport, k int, node float64, set *Set, init string, r *Result) []TReport {
	for len(by) <= k {
		by = append(by, TReport{})
	}
	tr := &by[k]
	tr.T, tr.Node, tr.SpineDt, tr.N = set.Cfg.T, node, set.Levels[0].Dt, set.Cfg.N
	tr.Inits = append(tr.Inits, TInitStat{Init: init, Eps: r.Eps, Grad: r.Grad, Rows: r.Rows})
	return by
}

// finishByT fills in the diffusion/CMT bias ratios.
func finishByT(by []TReport, spine string) {
	for k := range by {
		var c, d *Measure
		for i := range by[k].Inits {
			in := &by[k].Inits[i]
			switch in.Init {
			case spine:
				c = &in.Rows[int(ECT)].Bias
			case "diffusion":
				d = &in.Rows[int(ECT)].Bias
			}
		}
		if c != nil && d != nil {
			by[k].Ratio, by[k].RatioSE = d.Norm/c.Norm, ratioSE(d.Norm, d.SE, c.Norm, c.SE)
		}
	}
}
