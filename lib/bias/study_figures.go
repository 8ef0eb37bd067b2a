package bias

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/gocmt/cmt/lib/plots"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// line is one series of a log–log figure.
type line struct {
	Name   string
	X, Y   []float64
	Dashed bool
	Points bool // markers only
	Hollow bool // ring markers
	Color  color.Color
}

// ref is a reference power law y = y0·(x/x0)^Slope drawn as a thin grey line over the figure's x range.
type ref struct {
	Slope  float64
	X0, Y0 float64
}

// logTicks are gonum's logarithmic ticks with short labels ("1e-05", "0.001") instead of float noise.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 3, 64)
		}
	}
	return ts
}

// logLog writes a PNG with logarithmic axes; non-positive and non-finite points are dropped. The legend goes in
// the corner given by top and left.
func logLog(path, title, xlabel, ylabel string, lines []line, refs []ref, top, left bool) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = logTicks{}, logTicks{}
	p.Legend.Top, p.Legend.Left = top, left
	xmin, xmax := math.Inf(1), math.Inf(-1)
	n := 0
	for i, l := range lines {
		var xy plotter.XYs
		for k := range l.X {
			if l.X[k] > 0 && l.Y[k] > 0 && !math.IsInf(l.Y[k], 0) && !math.IsNaN(l.Y[k]) {
				xy = append(xy, plotter.XY{X: l.X[k], Y: l.Y[k]})
				xmin, xmax = math.Min(xmin, l.X[k]), math.Max(xmax, l.X[k])
			}
		}
		if len(xy) == 0 {
			continue
		}
		n++
		c := l.Color
		if c == nil {
			c = plots.Palette[i%len(plots.Palette)]
		}
		lp, sp, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		lp.Color, sp.Color = c, c
		lp.Width = vg.Points(1.5)
		sp.Shape = draw.CircleGlyph{}
		sp.Radius = vg.Points(2.5)
		if l.Hollow {
			sp.Shape, sp.Radius = draw.RingGlyph{}, vg.Points(5)
		}
		if l.Dashed {
			lp.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		if l.Points {
			sp.Radius *= 1.6
			p.Add(sp)
			p.Legend.Add(l.Name, sp)
			continue
		}
		p.Add(lp, sp)
		p.Legend.Add(l.Name, lp, sp)
	}
	if n == 0 {
		return fmt.Errorf("%s: nothing to draw", path)
	}
	for _, r := range refs {
		if !(r.X0 > 0 && r.Y0 > 0) {
			continue
		}
		xs := []float64{xmin, xmax}
		xy := plotter.XYs{}
		for _, x := range xs {
			xy = append(xy, plotter.XY{X: x, Y: r.Y0 * math.Pow(x/r.X0, r.Slope)})
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color = color.Gray{Y: 150}
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("slope %g", r.Slope), l)
	}
	return save(p, path)
}

// save writes the plot as a 6.5 × 4.8 in PNG atomically (temporary file + rename).
func save(p *plot.Plot, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp.png"
	if err := p.Save(6.5*vg.Inch, 4.8*vg.Inch, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// figures writes the bias figures into dir.
func figures(dir string, s *Summary, spineLevel int) ([]string, error) {
	var written []string
	nl := len(s.Rhos)
	col := func(in InitReport, p Pair, get func(Row) float64) []float64 {
		out := make([]float64, nl)
		for j := range out {
			out[j] = get(in.Rows[j*len(Pairs)+int(p)])
		}
		return out
	}
	total := func(r Row) float64 { return r.Bias.Norm }
	var spine *InitReport
	for i := range s.Inits {
		if s.Inits[i].Init == s.SpineInit {
			spine = &s.Inits[i]
		}
	}
	// 1. ECT bias vs Δt per init (ECD's totals coincide with ECT's to within their errors, see the table), and
	// reference slopes anchored on the spine CMT init's largest Δt.
	var lines []line
	for i, in := range s.Inits {
		lines = append(lines, line{Name: in.Init, X: s.Dts, Y: col(in, ECT, total), Color: plots.Palette[i%len(plots.Palette)]})
	}
	var refs []ref
	if spine != nil {
		y := col(*spine, ECT, total)
		refs = []ref{{1, s.Dts[nl-1], y[nl-1]}, {2, s.Dts[nl-1], y[nl-1]}}
	}
	path := filepath.Join(dir, "bias_vs_dt.png")
	if err := logLog(path, fmt.Sprintf("ECT gradient bias ‖E ĝ − grad L*‖ at t = %g (squared l2, uniform weight)", s.T),
		"Δt = t − r", "bias", lines, refs, false, false); err != nil {
		return nil, err
	}
	written = append(written, path)
	// 2. The spine CMT init's bias split into its pair (discretisation) and init-error terms.
	if spine != nil {
		lines = lines[:0]
		for i, p := range Pairs {
			lines = append(lines, line{Name: "pair term " + p.String(), X: s.Dts, Y: col(*spine, p, func(r Row) float64 {
				if r.PairTerm == nil || r.PairTerm.Norm < 2*r.PairTerm.SE {
					return math.NaN() // not resolved
				}
				return r.PairTerm.Debiased
			}), Color: plots.Palette[i]})
		}
		lines = append(lines, line{Name: "init term (ECT)", X: s.Dts, Y: col(*spine, ECT, func(r Row) float64 {
			if r.InitTerm == nil {
				return math.NaN()
			}
			return r.InitTerm.Norm
		}), Color: plots.Palette[3], Dashed: true},
			line{Name: "total (ECT)", X: s.Dts, Y: col(*spine, ECT, total), Color: color.Black})
		eu := col(*spine, ECDEuler, func(r Row) float64 { return r.PairTerm.Norm })
		refs = []ref{{1, s.Dts[nl-1], eu[nl-1]}, {2, s.Dts[nl-1], eu[nl-1]}, {3, s.Dts[nl-1], eu[nl-1]}}
		path = filepath.Join(dir, "bias_terms_vs_dt.png")
		if err := logLog(path, fmt.Sprintf("%s: bias = pair term + init term (t = %g; pair terms where resolved at 2 SE)", spine.Init, s.T),
			"Δt = t − r", "‖term‖ (gradient space)", lines, refs, false, false); err != nil {
			return nil, err
		}
		written = append(written, path)
	}
	// 3. Bias at the spine's Δt vs the init's ε, one colour per init: ECT (filled) and the CMT loss with the
	// trained teacher (ring); ‖∇L*‖ as a dashed line through the inits sorted by ε.
	lines = lines[:0]
	type pt struct{ eps, g float64 }
	var pts []pt
	for i, in := range s.Inits {
		c := plots.Palette[i%len(plots.Palette)]
		lines = append(lines, line{Name: in.Init + " ECT", X: []float64{in.Eps}, Y: []float64{in.Rows[spineLevel*len(Pairs)].Bias.Norm},
			Points: true, Color: c})
		for _, r := range in.CMT {
			if r.Pair == "cmt-trained" {
				lines = append(lines, line{Name: in.Init + " CMT loss", X: []float64{in.Eps}, Y: []float64{r.Bias.Norm}, Points: true, Hollow: true, Color: c})
			}
		}
		pts = append(pts, pt{in.Eps, in.Grad.Norm})
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].eps < pts[j].eps })
	var ge, gg []float64
	for _, q := range pts {
		ge, gg = append(ge, q.eps), append(gg, q.g)
	}
	lines = append(lines, line{Name: "‖grad L*‖", X: ge, Y: gg, Color: color.Black, Dashed: true})
	refs = nil
	if spine != nil {
		refs = []ref{{1, spine.Eps, spine.Rows[spineLevel*len(Pairs)].Bias.Norm}}
	}
	path = filepath.Join(dir, "bias_vs_eps.png")
	if err := logLog(path, fmt.Sprintf("bias at the spine's Δt vs the init's ε = RMS ‖f_θ − Ψ‖ at t = %g", s.T),
		"ε", "bias", lines, refs, true, true); err != nil {
		return nil, err
	}
	written = append(written, path)
	// 4. ε(t) profile per init.
	lines = lines[:0]
	for i, in := range s.Inits {
		lines = append(lines, line{Name: in.Init, X: s.ProfileTimes, Y: in.EpsProfile, Color: plots.Palette[i%len(plots.Palette)]})
	}
	path = filepath.Join(dir, "bias_eps_profile.png")
	if err := logLog(path, "init error ε(t) = RMS ‖f_θ(x_t, t) − Ψ_{t→σmin}(x_t)‖", "t", "ε(t)", lines, nil, true, true); err != nil {
		return nil, err
	}
	written = append(written, path)
	return written, nil
}
