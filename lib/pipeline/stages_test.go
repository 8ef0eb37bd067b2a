package pipeline

import (
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/cmt"
	"github.com/gocmt/cmt/lib/distance"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/solver"
)

// A CMT objective built in code maps back to the preset keys its checkpoint is keyed on: the preset's own CMT
// gives the preset's mid.* values (so it resumes the same run), another distance or pair builder gives other
// values, and what settings cannot state (an unknown pair builder, a network of its own) is refused.
func TestCMTSettings(t *testing.T) {
	p, _ := Lookup("toy2d")
	set, err := cmtOf(p).Settings()
	if err != nil {
		t.Fatal(err)
	}
	q := p
	if err := q.Set(set); err != nil || q.JSON() != p.JSON() {
		t.Errorf("the preset's CMT gives %q, which changes the preset (%v)", set, err)
	}
	for _, c := range []struct {
		m    CMT
		want string
	}{
		{CMT{Pairs: cmt.EndpointOnly, Loss: cmt.Loss{Distance: distance.L2, HuberC: 0.01}}, "mid.pairs=endpoint;mid.distance=l2;mid.huber_c=0.01"},
		{CMT{Loss: cmt.Loss{Distance: distance.PseudoHuber, HuberC: 0.03}}, "mid.pairs=all;mid.distance=huber;mid.huber_c=0.03"},
	} {
		if got, err := c.m.Settings(); err != nil || got != c.want {
			t.Errorf("Settings() = %q, %v; want %q", got, err, c.want)
		}
	}
	own := func(tr *solver.Trajectory) (*cmt.Pairs, error) { return cmt.FromTrajectory(tr) }
	for _, c := range []struct {
		m    CMT
		want string
	}{
		{CMT{Pairs: own, Loss: cmt.Loss{Distance: distance.L2Sq}}, "CMT.Pairs"},
		{CMT{Loss: cmt.Loss{Distance: distance.L2Sq, Net: nets.Linear{Dim: 2}}}, "leave Pre and Net unset"},
		{CMT{Loss: cmt.Loss{Distance: "l1"}}, "unknown distance"},
	} {
		if _, err := c.m.Settings(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Settings() error %v, want one naming %q", err, c.want)
		}
	}
}
