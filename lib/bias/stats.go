package bias

import (
	"fmt"
	"math"
)

// Term is one coefficient of a Combo.
type Term struct {
	Ch   int     // base channel index
	Coef float64 // its weight
}

// Combo is a reported gradient-space vector, a linear combination Σ Coef·channel of base channels (for example
// E[ĝ] = ∇L* + (ĝ − g*)).
type Combo []Term

// Measure is the Monte Carlo estimate of the length of an expected vector E[v] from nb batch means v_b:
//
//	Norm = ‖v̄‖,  SE = √(tr Cov(v_b)/nb),  Debiased = √max(0, ‖v̄‖² − SE²),
//
// SE is the root-mean-square length of the estimate's Monte Carlo error vector (E‖v̄ − E v‖² = SE²), an upper
// bound on the standard error of Norm; ‖v̄‖² overestimates ‖E v‖² by SE² on average, which Debiased removes.
type Measure struct {
	Norm     float64 `json:"norm"`
	SE       float64 `json:"se"`
	Debiased float64 `json:"debiased"`
}

// Accum accumulates batch vectors: for each of K base channels the sum of its batch vectors [P], and for each
// combo the sum of the squared lengths of its batch vectors (for the standard errors).
type Accum struct {
	P      int
	Sum    [][]float64 // [K][P]
	Combos []Combo
	sumSq  []float64
	n      int
	tmp    []float64
}

// NewAccum prepares an accumulator of k base channels of length p and the given combos.
func NewAccum(k, p int, combos []Combo) *Accum {
	a := &Accum{P: p, Sum: make([][]float64, k), Combos: combos, sumSq: make([]float64, len(combos)), tmp: make([]float64, p)}
	for i := range a.Sum {
		a.Sum[i] = make([]float64, p)
	}
	return a
}

// Add adds one batch: vs[k] is base channel k's batch vector [P].
func (a *Accum) Add(vs [][]float64) error {
	if len(vs) != len(a.Sum) {
		return fmt.Errorf("bias: batch has %d channels, want %d", len(vs), len(a.Sum))
	}
	for k, v := range vs {
		if len(v) != a.P {
			return fmt.Errorf("bias: channel %d has length %d, want %d", k, len(v), a.P)
		}
		s := a.Sum[k]
		for i, x := range v {
			s[i] += x
		}
	}
	for c, combo := range a.Combos {
		clear(a.tmp)
		for _, t := range combo {
			for i, x := range vs[t.Ch] {
				a.tmp[i] += t.Coef * x
			}
		}
		a.sumSq[c] += dot(a.tmp, a.tmp)
	}
	a.n++
	return nil
}

// Batches is the number of batches added.
func (a *Accum) Batches() int { return a.n }

// Mean is the mean over batches of a combination of base channels [P].
func (a *Accum) Mean(c Combo) []float64 {
	m := make([]float64, a.P)
	for _, t := range c {
		for i, x := range a.Sum[t.Ch] {
			m[i] += t.Coef * x / float64(a.n)
		}
	}
	return m
}

// Measure is the length and standard error of combo number c.
func (a *Accum) Measure(c int) Measure {
	m := a.Mean(a.Combos[c])
	n2 := dot(m, m)
	nb := float64(a.n)
	tr := math.Max(0, (a.sumSq[c]/nb-n2)*nb/(nb-1))
	se2 := tr / nb
	return Measure{Norm: math.Sqrt(n2), SE: math.Sqrt(se2), Debiased: math.Sqrt(math.Max(0, n2-se2))}
}

func dot(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// Cosine is ⟨a, b⟩/(‖a‖‖b‖) (NaN when either is zero).
func Cosine(a, b []float64) float64 {
	return dot(a, b) / math.Sqrt(dot(a, a)*dot(b, b))
}
