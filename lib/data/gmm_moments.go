package data

// Mean returns the mixture mean μ = Σ_k w_k μ_k [Dim].
func (g *GMM) Mean() []float64 {
	g.mustValid()
	w := g.weights()
	mu := make([]float64, g.Dim())
	for k, m := range g.Means {
		for j := range mu {
			mu[j] += w[k] * m[j]
		}
	}
	return mu
}

// Cov returns the mixture covariance [Dim][Dim]:
// Σ = Σ_k w_k (μ_k − μ)(μ_k − μ)ᵀ + Std²·I.
func (g *GMM) Cov() [][]float64 {
	mu := g.Mean()
	w := g.weights()
	d := len(mu)
	c := make([][]float64, d)
	for i := range c {
		c[i] = make([]float64, d)
	}
	for k, m := range g.Means {
		for i := 0; i < d; i++ {
			di := m[i] - mu[i]
			for j := 0; j < d; j++ {
				c[i][j] += w[k] * di * (m[j] - mu[j])
			}
		}
	}
	for i := 0; i < d; i++ {
		c[i][i] += g.Std * g.Std
	}
	return c
}
