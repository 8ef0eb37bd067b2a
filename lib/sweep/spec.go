package sweep

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Spec is a sweep: every variant of the preset (Base overrides, then the variant's own) on every seed.
type Spec struct {
	Name     string    // the sweep's name: its run folder and figure names
	Preset   string    // pipeline preset, e.g. toy2d
	Base     string    // -set overrides shared by all variants
	Seeds    []int64   // seeds every variant runs on
	Variants []Variant // in report order
	Target   float64   // 1-step energy level at which make compare measures the cost to reach (0 = none given)
	// Share are folders of other sweeps' variants (each holding s<seed> run folders) whose finished pre- and
	// mid-training this sweep's runs may take, as its own variants share them: where the settings fingerprint
	// matches, a seed's teacher and student are not trained again.
	Share []string
}

// Variant is one arm of the sweep.
type Variant struct {
	Name string // short name (a folder name: letters, digits, '-', '_', '.')
	Set  string // its -set overrides on top of Base ("" for none)
	Note string // what it changes, for the table
}

// Parse reads a sweep file. Lines (blank lines and # comments ignored):
//
//	name   backbone
//	preset toy2d
//	base   post.q=16;post.lr=2e-4      # the rest of the line (a recipe's value may have spaces)
//	seeds  1,2,3
//	target 0.01                      # optional: the 1-step energy make compare measures the cost to reach
//	share  runs/sweep-backbone/ours  # optional, repeatable: another sweep's variant folder to take finished stages from
//	variant input  mlp.embed=input   # the comment becomes the variant's note
//	variant ours   -
func Parse(r io.Reader) (Spec, error) {
	var s Spec
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, note, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(msg string) error { return fmt.Errorf("sweep file line %d (%q): %s", n, sc.Text(), msg) }
		if (f[0] == "name" || f[0] == "preset" || f[0] == "share") && len(f) != 2 {
			return s, bad(f[0] + " takes one value (no spaces)")
		}
		if f[0] == "base" && len(f) < 2 {
			return s, bad("base takes the settings every variant starts from")
		}
		switch f[0] {
		case "name":
			s.Name = f[1]
		case "preset":
			s.Preset = f[1]
		case "base": // the rest of the line: a per-init recipe's value has spaces ("post.recipe.cmt=post.lr=1e-4 post.q=16")
			s.Base = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "base"))
		case "share":
			s.Share = append(s.Share, f[1])
		case "target":
			x, err := strconv.ParseFloat(f[len(f)-1], 64)
			if len(f) != 2 || err != nil || x <= 0 {
				return s, bad("target takes one positive number")
			}
			s.Target = x
		case "seeds":
			if len(f) != 2 {
				return s, bad("seeds takes one comma-separated list")
			}
			for _, v := range strings.Split(f[1], ",") {
				x, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return s, bad("seed " + v + " is not an integer")
				}
				s.Seeds = append(s.Seeds, x)
			}
		case "variant":
			if len(f) != 3 {
				return s, bad("want: variant <name> <overrides or ->")
			}
			if !validName(f[1]) {
				return s, bad("variant names use letters, digits, '-', '_' and '.'")
			}
			v := Variant{Name: f[1], Set: f[2], Note: strings.TrimSpace(note)}
			if v.Set == "-" {
				v.Set = ""
			}
			s.Variants = append(s.Variants, v)
		default:
			return s, bad("unknown directive " + f[0] + " (name, preset, base, seeds, target, share, variant)")
		}
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	switch {
	case s.Name == "" || !validName(s.Name):
		return s, fmt.Errorf("sweep file: a name line (letters, digits, '-', '_', '.') is required")
	case s.Preset == "":
		return s, fmt.Errorf("sweep file: a preset line is required")
	case len(s.Seeds) == 0 || len(s.Variants) == 0:
		return s, fmt.Errorf("sweep file: need a seeds line and at least one variant")
	}
	seen := map[string]bool{}
	for _, v := range s.Variants {
		if seen[v.Name] {
			return s, fmt.Errorf("sweep file: variant %q appears twice", v.Name)
		}
		seen[v.Name] = true
	}
	return s, nil
}

// Load reads and parses a sweep file.
func Load(path string) (Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return Spec{}, err
	}
	defer f.Close()
	s, err := Parse(f)
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func validName(s string) bool {
	for _, r := range s {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != "" && s != "." && s != ".."
}

// Overrides is the full -set string of a variant: Base then the variant's own.
func (s Spec) Overrides(v Variant) string {
	switch {
	case s.Base == "":
		return v.Set
	case v.Set == "":
		return s.Base
	}
	return s.Base + ";" + v.Set
}
