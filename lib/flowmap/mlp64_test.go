package flowmap

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// mlp64 is nets.MLP evaluated on the host in float64 with the weights of a Store: the independent reference the
// float32 graph (and its double-VJP JVP) is checked against.
type mlp64 struct {
	m      nets.MLP
	layers []struct{ wx, bx, wt []float64 }
	wo, bo []float64
}

func readMLP64(t *testing.T, store *model.Store, prefix string, m nets.MLP) *mlp64 {
	get := func(path string) []float64 {
		v := store.GetVariable(prefix + path)
		if v == nil {
			t.Fatalf("no variable %s%s", prefix, path)
		}
		return host.Float64s(v.MustValue())
	}
	r := &mlp64{m: m}
	for l := 0; l < m.Layers; l++ {
		p := fmt.Sprintf("/layer_%d", l)
		r.layers = append(r.layers, struct{ wx, bx, wt []float64 }{get(p + "/x/weights"), get(p + "/x/biases"), get(p + "/t/weights")})
	}
	r.wo, r.bo = get("/out/weights"), get("/out/biases")
	return r
}

// apply evaluates F(x, c_1..c_k) for one point x [dim].
func (r *mlp64) apply(x []float64, cs ...float64) []float64 {
	var e []float64
	for _, c := range cs {
		e = append(e, c)
		var sins, coss []float64
		for k := 0; k < r.m.NumFreqs; k++ {
			a := 0.0
			if r.m.NumFreqs > 1 {
				a = float64(k) / float64(r.m.NumFreqs-1)
			}
			w := 0.5 * math.Pow(32/0.5, a)
			sins, coss = append(sins, math.Sin(w*c)), append(coss, math.Cos(w*c))
		}
		e = append(append(e, sins...), coss...)
	}
	dense := func(in, w []float64, out int) []float64 {
		y := make([]float64, out)
		for i, v := range in {
			for j := 0; j < out; j++ {
				y[j] += v * w[i*out+j]
			}
		}
		return y
	}
	h := x
	for _, L := range r.layers {
		a, b := dense(h, L.wx, r.m.Hidden), dense(e, L.wt, r.m.Hidden)
		for j := range a {
			z := a[j] + L.bx[j] + b[j]
			a[j] = z / (1 + math.Exp(-z))
		}
		h = a
	}
	y := dense(h, r.wo, r.m.Dim)
	for j := range y {
		y[j] += r.bo[j]
	}
	return y
}

// newTestMLP builds a two-time MLP's weights under /net with random (non-zero) biases so that no term vanishes.
func newTestMLP(t *testing.T, m nets.MLP, seed uint64) *model.Store {
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(int64(seed)); err != nil {
		t.Fatal(err)
	}
	b := backend.MustNew(nil)
	args := []any{host.Tensor(make([]float64, m.Dim), 1, m.Dim)}
	for range m.Times {
		args = append(args, host.Tensor([]float64{0.5}, 1))
	}
	if _, err := model.CallOnce(b, store, func(root *model.Scope, in []*Node) *Node {
		return m.Apply(root.At("net"), in[0], in[1:]...)
	}, args...); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for v := range store.IterVariables() {
		if len(v.Path()) > 7 && v.Path()[len(v.Path())-7:] == "/biases" {
			val := host.Float64s(v.MustValue())
			for i := range val {
				val[i] = 0.3 * rng.NormFloat64()
			}
			v.MustSetValue(host.Tensor(val, len(val)))
		}
	}
	return store
}
