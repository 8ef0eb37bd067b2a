package bias

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gocmt/cmt/lib/data"
)

// Profile holds samples x_t ~ p_t and their oracle targets Ψ_{t→σ_min}(x_t) at several times, to measure an
// initialisation's error ε(t) = RMS ‖f_θ(x_t, t) − Ψ_{t→σ_min}(x_t)‖ across t (the theorem's ε is a bound on this
// error over t).
type Profile struct {
	Times []float64
	Xt    [][]float64 // per time [n·dim]
	Psi   [][]float64
}

// NewProfile draws n samples of p_t at each time (every time > sigmaMin) and solves their flows to sigmaMin.
func NewProfile(o *Oracle, g *data.GMM, times []float64, sigmaMin float64, n int, seed uint64) (*Profile, error) {
	rng := rand.New(rand.NewPCG(seed, 0x9F))
	p := &Profile{Times: times}
	for _, t := range times {
		if !(t > sigmaMin) {
			return nil, fmt.Errorf("bias: profile time %v must exceed σ_min %v", t, sigmaMin)
		}
		x := g.Sample(rng, n)
		for i := range x {
			x[i] += t * rng.NormFloat64()
		}
		psi, err := o.Flow(x, t, sigmaMin)
		if err != nil {
			return nil, err
		}
		p.Xt, p.Psi = append(p.Xt, x), append(p.Psi, psi)
	}
	return p, nil
}

// Eps returns ε(t) for the initialisation net at each of the profile's times.
func (p *Profile) Eps(net *Net) ([]float64, error) {
	out := make([]float64, len(p.Times))
	for k, t := range p.Times {
		n := len(p.Xt[k]) / net.Dim
		ts := make([]float64, n)
		for i := range ts {
			ts[i] = t
		}
		f, err := net.F(p.Xt[k], ts)
		if err != nil {
			return nil, err
		}
		var s float64
		for i, v := range f {
			s += (v - p.Psi[k][i]) * (v - p.Psi[k][i])
		}
		out[k] = math.Sqrt(s / float64(n))
	}
	return out, nil
}
