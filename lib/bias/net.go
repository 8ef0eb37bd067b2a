package bias

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gocmt/cmt/lib/host"
	"github.com/gocmt/cmt/lib/nets"
	"github.com/gocmt/cmt/lib/train"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Net is one initialisation θ of a consistency model f_θ(x, t) (EDM's consistency parameterisation of Backbone,
// weights under /net of Store), with the two graph programs the analysis needs: the forward map and
// vector–Jacobian products J_θ f(x, t)ᵀ·c with respect to every trainable weight under /net. The weights are only
// read, never changed.
type Net struct {
	Name     string
	Store    *model.Store
	Pre      nets.EDM
	Backbone nets.Backbone
	Dim      int // data dimension

	backend compute.Backend
	params  []*model.Variable // trainable /net variables, sorted by path: the layout of gradient vectors
	size    int               // total number of weights P
	fwd     *model.Exec
	vjps    map[int]*model.Exec // by number of cotangents
}

// NewNet wraps a store whose /net variables already exist (see FromStage, RandomNet).
func NewNet(b compute.Backend, name string, store *model.Store, pre nets.EDM, bb nets.Backbone, dim int) (*Net, error) {
	n := &Net{Name: name, Store: store, Pre: pre, Backbone: bb, Dim: dim, backend: b, vjps: map[int]*model.Exec{}}
	for v := range store.IterVariables() {
		if v.Trainable && strings.HasPrefix(v.Path(), "/net/") {
			n.params = append(n.params, v)
		}
	}
	if len(n.params) == 0 {
		return nil, fmt.Errorf("bias: net %q has no trainable variables under /net", name)
	}
	sort.Slice(n.params, func(i, j int) bool { return n.params[i].Path() < n.params[j].Path() })
	for _, v := range n.params {
		n.size += v.Shape().Size()
	}
	return n, nil
}

// FromStage returns the EMA weights (/ema/net) of a trained stage as a Net, in a store of its own: the weights an
// initialisation hands to post-training.
func FromStage(b compute.Backend, name string, st *train.Stage, pre nets.EDM, bb nets.Backbone) (*Net, error) {
	store := model.NewStore()
	if err := train.CopyWeights(st.Store, train.EMAPath, store, train.NetPath); err != nil {
		return nil, fmt.Errorf("bias: %s: %w", name, err)
	}
	return NewNet(b, name, store, pre, bb, st.Dim)
}

// RandomNet returns freshly initialised weights (the backbone's own initialisers, RNG seeded with seed): the
// "random" initialisation.
func RandomNet(b compute.Backend, name string, seed int64, pre nets.EDM, bb nets.Backbone, dim int) (*Net, error) {
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(seed); err != nil {
		return nil, err
	}
	if _, err := model.CallOnce(b, store, func(root *model.Scope, x *Node) *Node {
		return pre.Consistency(train.NetScope(root), bb, x, Reshape(OnesLike(Slice(x, AxisRange(), AxisElem(0))), 1))
	}, tensors.FromShape(shapes.Make(dtypes.Float32, 1, dim))); err != nil {
		return nil, fmt.Errorf("bias: building %s: %w", name, err)
	}
	return NewNet(b, name, store, pre, bb, dim)
}

// NumParams is P, the length of the gradient vectors.
func (n *Net) NumParams() int { return n.size }

// F evaluates f_θ(x_i, t_i) for x [m·Dim] and per-point times t [m]; the result is [m·Dim] (float32 graph, returned
// as float64).
func (n *Net) F(x, t []float64) ([]float64, error) {
	m := len(t)
	if len(x) != m*n.Dim || m == 0 {
		return nil, fmt.Errorf("bias: F got %d values for %d points of dim %d", len(x), m, n.Dim)
	}
	if n.fwd == nil {
		var err error
		n.fwd, err = model.NewExec(n.backend, n.Store, func(root *model.Scope, x, t *Node) *Node {
			return n.Pre.Consistency(train.NetScope(root), n.Backbone, x, t)
		})
		if err != nil {
			return nil, err
		}
	}
	out, err := n.fwd.Call(host.Tensor(x, m, n.Dim), host.Tensor(t, m))
	if err != nil {
		return nil, fmt.Errorf("bias: %s forward: %w", n.Name, err)
	}
	return host.Float64s(out[0]), nil
}

// VJP returns, for each cotangent c_k [m·Dim], the vector Σ_i J_θ f(x_i, t_i)ᵀ c_{k,i} [P] — the gradient with
// respect to all weights of Σ_i ⟨f_θ(x_i, t_i), c_{k,i}⟩ with c held fixed. With c = (2/m)(f − y) it is the
// gradient of the mean squared-ℓ2 loss (1/m)Σ‖f_θ(x_i, t_i) − sg(y_i)‖². x is [m·Dim], t [m]; the weights are
// laid out in the order of their variable paths.
func (n *Net) VJP(x, t []float64, cots [][]float64) ([][]float64, error) {
	m, k := len(t), len(cots)
	if len(x) != m*n.Dim || m == 0 || k == 0 {
		return nil, fmt.Errorf("bias: VJP got %d values for %d points of dim %d and %d cotangents", len(x), m, n.Dim, k)
	}
	flat := make([]float64, 0, k*m*n.Dim)
	for i, c := range cots {
		if len(c) != m*n.Dim {
			return nil, fmt.Errorf("bias: cotangent %d has %d values, want %d", i, len(c), m*n.Dim)
		}
		flat = append(flat, c...)
	}
	e := n.vjps[k]
	if e == nil {
		var err error
		e, err = model.NewExec(n.backend, n.Store, func(root *model.Scope, x, t, cot *Node) *Node {
			g := x.Graph()
			f := n.Pre.Consistency(train.NetScope(root), n.Backbone, x, t)
			ws := make([]*Node, len(n.params))
			for i, v := range n.params {
				ws[i] = v.NodeValue(g)
			}
			rows := make([]*Node, k)
			for j := range rows {
				c := Reshape(Slice(cot, AxisElem(j)), m, n.Dim)
				grads := Gradient(ReduceAllSum(Mul(f, c)), ws...)
				parts := make([]*Node, len(grads))
				for i, gr := range grads {
					parts[i] = Reshape(gr, -1)
				}
				rows[j] = ExpandAxes(Concatenate(parts, 0), 0)
			}
			return Concatenate(rows, 0)
		})
		if err != nil {
			return nil, err
		}
		n.vjps[k] = e
	}
	out, err := e.Call(host.Tensor(x, m, n.Dim), host.Tensor(t, m), host.Tensor(flat, k, m, n.Dim))
	if err != nil {
		return nil, fmt.Errorf("bias: %s VJP: %w", n.Name, err)
	}
	all := host.Float64s(out[0])
	res := make([][]float64, k)
	for j := range res {
		res[j] = all[j*n.size : (j+1)*n.size]
	}
	return res, nil
}

// Close releases the compiled programs.
func (n *Net) Close() {
	if n.fwd != nil {
		n.fwd.Finalize()
		n.fwd = nil
	}
	for k, e := range n.vjps {
		e.Finalize()
		delete(n.vjps, k)
	}
}
