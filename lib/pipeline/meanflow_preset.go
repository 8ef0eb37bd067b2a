package pipeline

import (
	"fmt"
	"strings"

	"github.com/gocmt/cmt/lib/cmt"
	"github.com/gocmt/cmt/lib/flowmap"
)

// FlowMap reports whether the run trains a general flow map h(x, t, s) on flow-matching time (post.method
// meanflow or lmd) instead of a consistency model on EDM time (ect).
func (p *Preset) FlowMap() bool { return p.postMethod().FlowMap() }

// validateFlowMap checks the flow-map pipeline's keys (called by Validate).
func (p *Preset) validateFlowMap() []string {
	var errs []string
	switch p.PreObjective {
	case "", "edm", "fm":
	default:
		errs = append(errs, fmt.Sprintf("pre.objective %q: use edm or fm", p.PreObjective))
	}
	if _, ok := PostMethods[p.PostMethod]; !ok && p.PostMethod != "" {
		errs = append(errs, fmt.Sprintf("post.method %q: use one of %s", p.PostMethod, methodNames()))
	}
	if s0, s1 := p.Curriculum(); p.ICTS0 < 0 || p.ICTS1 < 0 || s1 < s0 {
		errs = append(errs, "post.ict_s0 and post.ict_s1 must be ≥ 0 (0: iCT's 10 and 1280) with post.ict_s1 ≥ post.ict_s0")
	}
	if !p.FlowMap() {
		if p.PreObjective == "fm" {
			errs = append(errs, "pre.objective=fm needs a flow-map post.method (meanflow or lmd): ECT's and iCT's consistency model is EDM-parameterised")
		}
		return errs
	}
	if p.PreObjective != "fm" {
		errs = append(errs, fmt.Sprintf("post.method=%s needs pre.objective=fm (the flow map lives on flow-matching time)", p.PostMethod))
	}
	if p.Net != "" && p.Net != "mlp" {
		errs = append(errs, fmt.Sprintf("post.method=%s needs net=mlp: the two-time flow map h(x, t, s) is built on the MLP only", p.PostMethod))
	}
	if _, err := cmt.ParsePairScheme(p.MFPairs); err != nil {
		errs = append(errs, "mid.mf_pairs: "+err.Error())
	}
	if _, err := cmt.ParseSpace(p.MFSpace); err != nil {
		errs = append(errs, "mid.mf_space: "+err.Error())
	}
	if _, err := flowmap.ParseTimeOrder(p.MFOrder); err != nil {
		errs = append(errs, "post.tr_order: "+err.Error())
	}
	if _, err := flowmap.ParseJVPMode(p.MFJVP); err != nil {
		errs = append(errs, "post.jvp: "+err.Error())
	}
	if p.MFGrids < 1 || p.MFGrids > p.Trajectories {
		errs = append(errs, "mid.grid_shifts must be in [1, mid.trajectories]")
	}
	if p.MFDiag < 0 || p.MFDiag >= 1 {
		errs = append(errs, "mid.mf_diag must be in [0, 1)")
	}
	if p.MFRatio < 0 || p.MFRatio > 1 {
		errs = append(errs, "post.ratio must be in [0, 1]")
	}
	if !(p.MFTStd > 0) || !(p.MFRStd > 0) {
		errs = append(errs, "post.t_std and post.r_std must be > 0")
	}
	if p.MFP < 0 || p.MFC < 0 {
		errs = append(errs, "post.adaptive_p and post.adaptive_c must be ≥ 0")
	}
	if p.MFJVP == "fd" && !(p.MFFDEps > 0) {
		errs = append(errs, "post.fd_eps must be > 0 with post.jvp=fd")
	}
	if p.PostBeta2 < 0 || p.PostBeta2 >= 1 {
		errs = append(errs, "post.beta2 must be in [0, 1)")
	}
	if !(p.TMid > 0 && p.TMid < 1) {
		errs = append(errs, "eval.t_mid must be in (0, 1) on flow-matching time")
	}
	if p.TMidStudent >= 1 {
		errs = append(errs, "eval.t_mid_student must be in (0, 1) on flow-matching time (0: the cmt recipe's t_mid)")
	}
	return errs
}

// keyHint suggests keys for an unknown -set key: those in the same group (the part before the first dot), since
// the full list no longer fits one line.
func keyHint(k string, keys []string) string {
	group, _, ok := strings.Cut(k, ".")
	var near []string
	for _, kk := range keys {
		if ok && strings.HasPrefix(kk, group+".") {
			near = append(near, kk)
		}
	}
	if len(near) == 0 {
		return "-show prints every key"
	}
	return "keys under " + group + ".: " + strings.Join(near, ", ") + " (-show prints every key)"
}
