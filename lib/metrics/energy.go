package metrics

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// EnergyDistance returns the squared energy distance between the empirical
// distributions of the point sets x, of shape [n*dim], and y, of shape
// [m*dim] (row-major, one point per row):
//
//	D² = 2·E|X−Y| − E|X−X'| − E|Y−Y'|
//
// with Euclidean norms |·|. Every expectation is a V-statistic: a plain mean
// over all pairs, including the i == j pairs (which contribute zero) in the
// within-set terms. It is then the energy distance between the two empirical
// distributions, so D² ≥ 0 (up to round-off) for any two sets, and
// EnergyDistance(x, x, dim) is exactly 0. As an estimate of the population
// D² the V-statistic is biased upwards by E|X−X'|/n + E|Y−Y'|/m (its noise
// floor for two samples of one law); EnergyDistanceU removes that bias.
//
// The cost is O((n+m)²·dim): all three pair sums are evaluated in full. Row
// blocks are spread over runtime.GOMAXPROCS(0) goroutines, dim == 2 has a
// specialised inner loop, and sums are accumulated per row, then per block,
// then over blocks in a fixed order, so the result does not depend on the
// number of goroutines.
//
// It returns an error if dim <= 0, if either set is empty or its length is
// not a multiple of dim, or if a sample is NaN or infinite.
func EnergyDistance(x, y []float64, dim int) (float64, error) {
	ref, err := newEnergyRef(y, dim, 1)
	if err != nil {
		return 0, err
	}
	return ref.V(x)
}

// EnergyDistanceU returns the unbiased (U-statistic) estimate of the squared
// energy distance between the laws that x [n*dim] and y [m*dim] are samples
// of:
//
//	D²_U = 2·Σ_ij |x_i−y_j|/(n·m) − Σ_{i≠j} |x_i−x_j|/(n(n−1)) − Σ_{i≠j} |y_i−y_j|/(m(m−1))
//
// Each term is an unbiased estimate of its expectation, so E[D²_U] is the
// population D², which is 0 when the two laws are equal: unlike
// EnergyDistance it has no noise floor of order E|X−X'|/n, and it can be
// negative (by sampling noise) when the laws are equal or close. It is the
// V-statistic minus its bias estimate, with the same pair sums, cost,
// parallelism and input checks as EnergyDistance, and needs n, m ≥ 2.
func EnergyDistanceU(x, y []float64, dim int) (float64, error) {
	ref, err := newEnergyRef(y, dim, 2)
	if err != nil {
		return 0, err
	}
	return ref.U(x)
}

// EnergyRef is a reference set y with its within-set pair sum Σ|y_i−y_j|
// computed once: EnergyDistance(x, y) and EnergyDistanceU(x, y) against many
// sample sets x then cost two pair sums each instead of three (the results
// are bitwise the same).
type EnergyRef struct {
	y      []float64
	dim, m int
	syy    float64
}

// NewEnergyRef checks y [m*dim] (as EnergyDistance does) and sums its pair
// distances.
func NewEnergyRef(y []float64, dim int) (*EnergyRef, error) { return newEnergyRef(y, dim, 1) }

func newEnergyRef(y []float64, dim, minRows int) (*EnergyRef, error) {
	m, err := checkPoints("y", y, dim)
	if err != nil {
		return nil, err
	}
	if m < minRows {
		return nil, fmt.Errorf("metrics: the U-statistic needs at least 2 points in y, got %d", m)
	}
	return &EnergyRef{y: y, dim: dim, m: m, syy: pairDistSum(y, y, dim)}, nil
}

// V is EnergyDistance(x, y) for the reference set y.
func (r *EnergyRef) V(x []float64) (float64, error) {
	sxy, sxx, n, err := r.sums(x, 1)
	if err != nil {
		return 0, err
	}
	fn, fm := float64(n), float64(r.m)
	// With x == y the three means are bitwise equal, so this is exactly 0.
	return 2*sxy/(fn*fm) - sxx/(fn*fn) - r.syy/(fm*fm), nil
}

// U is EnergyDistanceU(x, y) for the reference set y (which needs m ≥ 2).
func (r *EnergyRef) U(x []float64) (float64, error) {
	sxy, sxx, n, err := r.sums(x, 2)
	if err != nil {
		return 0, err
	}
	if r.m < 2 {
		return 0, fmt.Errorf("metrics: the U-statistic needs at least 2 points in y, got %d", r.m)
	}
	fn, fm := float64(n), float64(r.m)
	// The i == j pairs contribute 0 to sxx and syy, so they are already sums over i ≠ j.
	return 2*sxy/(fn*fm) - sxx/(fn*(fn-1)) - r.syy/(fm*(fm-1)), nil
}

// sums checks x (at least minRows points, dimension r.dim) and returns Σ|x_i−y_j| and Σ|x_i−x_j| over all
// ordered pairs, with the number of points n.
func (r *EnergyRef) sums(x []float64, minRows int) (sxy, sxx float64, n int, err error) {
	if n, err = checkPoints("x", x, r.dim); err != nil {
		return
	}
	if n < minRows {
		err = fmt.Errorf("metrics: the U-statistic needs at least 2 points in x, got %d", n)
		return
	}
	return pairDistSum(x, r.y, r.dim), pairDistSum(x, x, r.dim), n, nil
}

// energyBlockRows is the number of rows of a that one task handles. It fixes
// the order of summation independently of the number of goroutines.
const energyBlockRows = 64

// energySerialPairs is the number of pairs below which pairDistSum does not
// start goroutines.
const energySerialPairs = 1 << 15

// pairDistSum returns Σ_i Σ_j |a_i − b_j| over all rows a_i of a [n*dim] and
// b_j of b [m*dim].
func pairDistSum(a, b []float64, dim int) float64 {
	n := len(a) / dim
	m := len(b) / dim
	nBlocks := (n + energyBlockRows - 1) / energyBlockRows
	blockSums := make([]float64, nBlocks)
	doBlock := func(k int) {
		lo := k * energyBlockRows
		hi := min(lo+energyBlockRows, n)
		s := 0.0
		for i := lo; i < hi; i++ {
			s += rowDistSum(a[i*dim:(i+1)*dim], b, dim)
		}
		blockSums[k] = s
	}

	workers := min(runtime.GOMAXPROCS(0), nBlocks)
	if workers <= 1 || n*m < energySerialPairs {
		for k := range nBlocks {
			doBlock(k)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					k := int(next.Add(1)) - 1
					if k >= nBlocks {
						return
					}
					doBlock(k)
				}
			})
		}
		wg.Wait()
	}

	total := 0.0
	for _, s := range blockSums {
		total += s
	}
	return total
}

// rowDistSum returns Σ_j |p − b_j| for one point p of length dim and the rows
// b_j of b [m*dim].
func rowDistSum(p, b []float64, dim int) float64 {
	switch dim {
	case 1:
		p0 := p[0]
		s := 0.0
		for _, v := range b {
			s += math.Abs(p0 - v)
		}
		return s
	case 2:
		p0, p1 := p[0], p[1]
		// Two accumulators let consecutive square roots overlap.
		s0, s1 := 0.0, 0.0
		j := 0
		for ; j+3 < len(b); j += 4 {
			bb := b[j : j+4 : j+4]
			d0 := p0 - bb[0]
			d1 := p1 - bb[1]
			d2 := p0 - bb[2]
			d3 := p1 - bb[3]
			s0 += math.Sqrt(d0*d0 + d1*d1)
			s1 += math.Sqrt(d2*d2 + d3*d3)
		}
		if j < len(b) {
			d0 := p0 - b[j]
			d1 := p1 - b[j+1]
			s0 += math.Sqrt(d0*d0 + d1*d1)
		}
		return s0 + s1
	default:
		s := 0.0
		for j := 0; j < len(b); j += dim {
			q := b[j : j+dim : j+dim]
			acc := 0.0
			for k, v := range q {
				d := p[k] - v
				acc += d * d
			}
			s += math.Sqrt(acc)
		}
		return s
	}
}
