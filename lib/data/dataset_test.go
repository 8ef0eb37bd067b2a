package data

import (
	"math"
	"strings"
	"testing"
)

func TestByName(t *testing.T) {
	for _, name := range Names() {
		ds, err := ByName(name)
		if err != nil {
			t.Fatalf("ByName(%q): %v", name, err)
		}
		if ds.Name() != name || ds.Dim() != 2 {
			t.Errorf("ByName(%q) gave name %q dim %d", name, ds.Name(), ds.Dim())
		}
		x := ds.Sample(newRNG(6), 10)
		if len(x) != 20 {
			t.Errorf("%s: Sample(10) has length %d", name, len(x))
		}
		if len(ds.Sample(newRNG(6), 0)) != 0 {
			t.Errorf("%s: Sample(0) not empty", name)
		}
	}
	_, err := ByName("mnist")
	if err == nil {
		t.Fatal("ByName(mnist): want error")
	}
	for _, name := range Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

// Toy moments from N = 100000 samples, 5 standard errors. Exact values:
// moons mean 0, var_x = 1 + noise², var_y = (4/3)(½ − 4/π² + (4/π − ½)²/4)
// + noise²; checkerboard mean 0, var 1, cov 0.1875 exactly; spirals mean 0
// with per-coordinate std in [0.8, 1.2] (approximate by design).
func TestToyMoments(t *testing.T) {
	const N = 100000
	noise := 0.05
	varYMoons := 4.0/3*(0.5-4/(math.Pi*math.Pi)+math.Pow(4/math.Pi-0.5, 2)/4) + noise*noise
	cases := []struct {
		ds        Dataset
		varX, cov float64
		varY      float64
		exact     bool
	}{
		{TwoMoons(noise), 1 + noise*noise, math.NaN(), varYMoons, true},
		{Checkerboard(), 1, 0.1875, 1, true},
		{Spirals(noise), 1, math.NaN(), 1, false},
	}
	for _, c := range cases {
		x := c.ds.Sample(newRNG(7), N)
		col := func(f func(a, b float64) float64) []float64 {
			out := make([]float64, N)
			for i := range out {
				out[i] = f(x[2*i], x[2*i+1])
			}
			return out
		}
		for j, get := range []func(a, b float64) float64{
			func(a, b float64) float64 { return a },
			func(a, b float64) float64 { return b },
		} {
			m, se := meanSE(col(get))
			if math.Abs(m) > 5*se {
				t.Errorf("%s: mean[%d] = %.4f, want 0 ± %.1g", c.ds.Name(), j, m, 5*se)
			}
			want := []float64{c.varX, c.varY}[j]
			v, se := meanSE(col(func(a, b float64) float64 { g := get(a, b); return g * g }))
			if c.exact && math.Abs(v-want) > 5*se {
				t.Errorf("%s: var[%d] = %.4f, want %.4f ± %.1g", c.ds.Name(), j, v, want, 5*se)
			}
			if !c.exact && (math.Sqrt(v) < 0.8 || math.Sqrt(v) > 1.2) {
				t.Errorf("%s: std[%d] = %.3f, want in [0.8, 1.2]", c.ds.Name(), j, math.Sqrt(v))
			}
			t.Logf("%s: coord %d mean %.4f std %.4f", c.ds.Name(), j, m, math.Sqrt(v))
		}
		if !math.IsNaN(c.cov) {
			v, se := meanSE(col(func(a, b float64) float64 { return a * b }))
			if math.Abs(v-c.cov) > 5*se {
				t.Errorf("%s: cov = %.4f, want %.4f ± %.1g", c.ds.Name(), v, c.cov, 5*se)
			}
		}
	}
}

// Checkerboard points lie in filled squares only and inside [−√3, √3]².
func TestCheckerboardSupport(t *testing.T) {
	x := Checkerboard().Sample(newRNG(8), 20000)
	lim := math.Sqrt(3)
	for i := 0; i < len(x)/2; i++ {
		a, b := x[2*i]/CheckerboardScale+2, x[2*i+1]/CheckerboardScale+2
		if math.Abs(x[2*i]) > lim || math.Abs(x[2*i+1]) > lim {
			t.Fatalf("point %d outside the board: %v %v", i, x[2*i], x[2*i+1])
		}
		if (int(math.Floor(a))+int(math.Floor(b)))%2 != 0 {
			t.Fatalf("point %d in an empty square: %v %v", i, x[2*i], x[2*i+1])
		}
	}
}
