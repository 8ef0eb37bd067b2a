// Command spmdcheck checks lib/train's data-parallel path (Config.Devices, GoMLX AutoSharding) against the
// single-device path on the backend GOMLX_BACKEND selects: it trains the same small MLP stage from the same seed on
// the same batches
//
//   - single: Config.Devices = 0 (one device, no distribution);
//   - mesh1:  the distributed path on a mesh of 1 device (train.Stage.ForceDataParallel(1)): runs on a 1-GPU machine;
//   - dataN:  Config.Devices = N, N = the number of devices the backend reports (only when N > 1),
//
// for two objectives — "det" (plain regression) and "rng" (regression on inputs perturbed by in-graph noise drawn
// from the replicated RNG state, as the project's diffusion losses do) — and prints every step's loss, the largest
// relative loss difference and the largest weight difference (/net and /ema/net) against "single", and PASS/FAIL
// against the tolerances. It exits with status 1 on any FAIL or error.
//
//	experiments/gpu/spmd_check.sh              (builds it and runs it with the CUDA PJRT plugin)
//	GOMLX_BACKEND=xla:cuda bin/spmdcheck -steps 5
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/progress"
	"github.com/gocmt/cmt/lib/train"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

const dim, hidden = 4, 64

// mlp is a 2-hidden-layer tanh MLP [batch, dim] → [batch, dim] (plain MatMul: no fused ops).
func mlp(net *model.Scope, x, _ *Node) *Node {
	g := x.Graph()
	h := x
	in := dim
	for i, out := range []int{hidden, hidden, dim} {
		s := net.In("layer_%d", i)
		w := s.VariableWithShape("w", shapes.Make(dtypes.Float32, in, out)).NodeValue(g)
		b := s.VariableWithShape("b", shapes.Make(dtypes.Float32, out)).NodeValue(g)
		h = Add(MatMul(h, w), ExpandLeftToRank(b, 2))
		if i < 2 {
			h = Tanh(h)
		}
		in = out
	}
	return h
}

func objective(noisy bool) train.Objective {
	return func(root *model.Scope, in []*Node) *Node {
		x, y := in[0], in[1]
		if noisy {
			x = Add(x, MulScalar(root.RandomNormal(x.Graph(), x.Shape()), 0.05))
		}
		return ReduceAllMean(Square(Sub(mlp(train.NetScope(root), x, nil), y)))
	}
}

// batchFn returns step-dependent deterministic batches of n points: y = sin(x·A) for a fixed A.
func batchFn(n int) func(step int) []*tensors.Tensor {
	return func(step int) []*tensors.Tensor {
		xs := make([]float32, n*dim)
		ys := make([]float32, n*dim)
		for i := range n {
			for j := range dim {
				xs[i*dim+j] = float32(math.Sin(float64((i+1)*(j+2)) + 0.37*float64(step)))
			}
			for j := range dim {
				var s float64
				for k := range dim {
					s += float64(xs[i*dim+k]) * float64((j+1)*(k+1)%5-2) / 2
				}
				ys[i*dim+j] = float32(math.Sin(s))
			}
		}
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(xs, n, dim), tensors.FromFlatDataAndDimensions(ys, n, dim)}
	}
}

type recorder struct{ losses []float64 }

func (r *recorder) Progress(string, progress.Status)   {}
func (r *recorder) Loss(_ string, _ int, loss float64) { r.losses = append(r.losses, loss) }

type result struct {
	losses  []float64
	weights map[string][]float32
	elapsed time.Duration
}

// run trains one stage: devices is Config.Devices; force > 0 calls ForceDataParallel(force).
func run(b compute.Backend, devices, force, steps, batch int, noisy bool) (*result, error) {
	st, err := train.NewStage(b, "spmdcheck", "", dim, mlp, train.Config{Steps: steps, LR: 1e-3, EMA: 0.9, Devices: devices}, 1)
	if err != nil {
		return nil, err
	}
	st.Out = io.Discard
	rec := &recorder{}
	st.Watch = rec
	if _, err := st.Prepare(nil); err != nil {
		return nil, err
	}
	if force > 0 {
		if err := st.ForceDataParallel(force); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	if err := st.Run(context.Background(), objective(noisy), batchFn(batch)); err != nil {
		return nil, err
	}
	r := &result{losses: rec.losses, weights: map[string][]float32{}, elapsed: time.Since(start)}
	for v := range st.Store.IterVariables() {
		if strings.HasPrefix(v.Path(), "/net/") || strings.HasPrefix(v.Path(), "/ema/net/") {
			t, err := v.Value()
			if err != nil {
				return nil, err
			}
			r.weights[v.Path()] = tensors.MustCopyFlatData[float32](t)
		}
	}
	return r, nil
}

// compare returns the largest relative loss difference and the largest absolute weight difference.
func compare(ref, r *result) (lossRel, wAbs float64, err error) {
	if len(ref.losses) != len(r.losses) {
		return 0, 0, fmt.Errorf("%d losses vs %d", len(r.losses), len(ref.losses))
	}
	for i := range ref.losses {
		lossRel = max(lossRel, math.Abs(r.losses[i]-ref.losses[i])/max(math.Abs(ref.losses[i]), 1e-30))
	}
	if len(ref.weights) != len(r.weights) {
		return 0, 0, fmt.Errorf("%d variables vs %d", len(r.weights), len(ref.weights))
	}
	for p, a := range ref.weights {
		b, ok := r.weights[p]
		if !ok || len(a) != len(b) {
			return 0, 0, fmt.Errorf("variable %s missing or resized", p)
		}
		for i := range a {
			wAbs = max(wAbs, math.Abs(float64(a[i])-float64(b[i])))
		}
	}
	return lossRel, wAbs, nil
}

func main() {
	steps := flag.Int("steps", 5, "training steps per run")
	perDevice := flag.Int("per_device", 32, "batch rows per device: the global batch is per_device × N")
	lossTol := flag.Float64("loss_tol", 1e-4, "largest relative loss difference accepted")
	wTol := flag.Float64("weight_tol", 1e-4, "largest absolute weight difference accepted (Adam, lr 1e-3)")
	flag.Parse()

	b, err := backend.New(os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spmdcheck:", err)
		os.Exit(1)
	}
	n := b.NumDevices()
	fmt.Printf("backend %s: %d device(s)\n", b.Name(), n)
	for i := range n {
		fmt.Printf("  device %d: %s\n", i, b.DeviceDescription(compute.DeviceNum(i)))
	}
	batch := *perDevice * n
	fmt.Printf("global batch %d, %d steps, MLP %d→%d→%d→%d\n", batch, *steps, dim, hidden, hidden, dim)

	type variant struct {
		name           string
		devices, force int
	}
	variants := []variant{{"mesh1", 0, 1}}
	if n > 1 {
		variants = append(variants, variant{fmt.Sprintf("data%d", n), n, 0})
	} else {
		fmt.Println("only one device: the N-device run is skipped (mesh1 still checks the distributed path)")
	}
	failed := false
	for _, noisy := range []bool{false, true} {
		obj := "det"
		if noisy {
			obj = "rng"
		}
		ref, err := run(b, 0, 0, *steps, batch, noisy)
		if err != nil {
			fmt.Printf("[%s] single: ERROR %v\n", obj, err)
			failed = true
			continue
		}
		fmt.Printf("[%s] single  losses %s  (%v)\n", obj, fmtLosses(ref.losses), ref.elapsed.Round(time.Millisecond))
		for _, v := range variants {
			r, err := run(b, v.devices, v.force, *steps, batch, noisy)
			if err != nil {
				fmt.Printf("[%s] %-6s ERROR %v\nFAIL %s/%s\n", obj, v.name, err, obj, v.name)
				failed = true
				continue
			}
			lossRel, wAbs, err := compare(ref, r)
			verdict := "PASS"
			if err != nil || lossRel > *lossTol || wAbs > *wTol {
				verdict, failed = "FAIL", true
			}
			fmt.Printf("[%s] %-6s losses %s  (%v)\n", obj, v.name, fmtLosses(r.losses), r.elapsed.Round(time.Millisecond))
			fmt.Printf("%s %s/%s: max relative loss diff %.3g (tol %.g), max |Δweight| %.3g over %d variables (tol %.g)",
				verdict, obj, v.name, lossRel, *lossTol, wAbs, len(r.weights), *wTol)
			if err != nil {
				fmt.Printf(" — %v", err)
			}
			fmt.Println()
		}
	}
	if failed {
		fmt.Println("spmdcheck: FAIL")
		os.Exit(1)
	}
	fmt.Println("spmdcheck: PASS")
}

func fmtLosses(l []float64) string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = fmt.Sprintf("%.6g", v)
	}
	return "[" + strings.Join(s, " ") + "]"
}
