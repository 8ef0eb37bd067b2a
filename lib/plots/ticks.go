package plots

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// formatNumber gives a short label for v: the shortest decimal form, with
// exponents written compactly ("1e-5", "2.5e6"). With si, |v| >= 1000 is
// written with a k or M suffix ("20k", "1.5M").
func formatNumber(v float64, si bool) string {
	if v == 0 {
		return "0"
	}
	if si {
		a := math.Abs(v)
		switch {
		case a >= 1e6 && a < 1e10:
			return trimFloat(v/1e6) + "M"
		case a >= 1e3 && a < 1e6:
			return trimFloat(v/1e3) + "k"
		}
	}
	a := math.Abs(v)
	if a >= 1e5 || a < 1e-3 {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		exp = strings.TrimPrefix(exp, "+")
		neg := strings.HasPrefix(exp, "-")
		exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
		if neg {
			exp = "-" + exp
		}
		return mant + "e" + exp
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// trimFloat formats v with at most 3 significant decimals, no trailing zeros.
func trimFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// niceTicks puts about n labelled ticks (at most n) at multiples of a
// "nice" step (1, 2, 2.5 or 5 × 10^k), with unlabelled minor ticks between.
type niceTicks struct{ n int }

func (t niceTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(max-min, 0) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	n := t.n
	if n < 2 {
		n = 2
	}
	// The smallest nice step giving at most n labels in [min, max].
	raw := (max - min) / float64(n-1)
	e := math.Floor(math.Log10(raw)) - 1
	var step, mant, minorDiv float64
	for ; ; e++ {
		pow := math.Pow(10, e)
		found := false
		for _, c := range [][2]float64{{1, 2}, {2, 2}, {2.5, 5}, {5, 5}} {
			st := c[0] * pow
			if math.Floor(max/st+1e-9)-math.Ceil(min/st-1e-9)+1 <= float64(n) {
				step, mant, minorDiv, found = st, c[0], c[1], true
				break
			}
		}
		if found {
			break
		}
	}
	decimals := 0
	if e < 0 {
		decimals = int(-e)
	}
	if mant == 2.5 {
		decimals++
	}
	si := math.Max(math.Abs(min), math.Abs(max)) >= 1e4
	minor := step / minorDiv
	var ts []plot.Tick
	eps := 1e-9 * step
	for k := math.Ceil((min - eps) / minor); k*minor <= max+eps; k++ {
		v := k * minor
		tk := plot.Tick{Value: v}
		if j := math.Round(k / minorDiv); math.Abs(k-j*minorDiv) < 1e-6 {
			lab := strconv.FormatFloat(j*step, 'f', decimals, 64)
			c, _ := strconv.ParseFloat(lab, 64)
			tk.Value = c
			tk.Label = formatNumber(c, si)
		}
		ts = append(ts, tk)
	}
	return ts
}

// logTicks labels a log axis so that at least two labels are visible
// however narrow the range: decades for wide ranges, 1-2-5 for about one
// decade, every m×10^k for narrower ones, and linear ticks as a last resort.
// Unlabelled ticks are minor.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > 0) || math.IsInf(max, 0) {
		return nil
	}
	if max < min {
		min, max = max, min
	}
	lo := int(math.Floor(math.Log10(min)))
	hi := int(math.Ceil(math.Log10(max)))
	span := math.Log10(max / min)
	step := 1
	if hi-lo > 10 {
		step = (hi - lo + 7) / 8
	}
	labelled := func(m, k int) bool {
		switch {
		case span >= 2:
			return m == 1 && ((k%step)+step)%step == 0
		case span >= 0.7:
			return m == 1 || m == 2 || m == 5
		default:
			return true
		}
	}
	var ts []plot.Tick
	nLab := 0
	for k := lo; k <= hi; k++ {
		for m := 1; m <= 9; m++ {
			if step > 1 && m > 1 {
				break // too many decades for minor ticks
			}
			v, _ := strconv.ParseFloat(strconv.Itoa(m)+"e"+strconv.Itoa(k), 64)
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled(m, k) {
				t.Label = formatNumber(v, false)
				nLab++
			}
			ts = append(ts, t)
		}
	}
	if nLab >= 2 {
		return ts
	}
	// Very narrow range: linear ticks read fine on a log axis.
	return niceTicks{n: 5}.Ticks(min, max)
}
