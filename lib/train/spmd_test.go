package train

import (
	"context"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocmt/cmt/lib/backend"
	"github.com/gocmt/cmt/lib/progress"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/dtensor"
	"github.com/gomlx/gomlx/ml/model"
)

// dpFwd is a small regression model for the data-parallel tests: tanh(x·W + b)·V, with a bias b [dim].
func dpFwd(net *model.Scope, x, t *Node) *Node {
	g := x.Graph()
	dim := x.Shape().Dimensions[1]
	w := net.VariableWithShape("w", shapes.Make(dtypes.Float32, dim, 8)).NodeValue(g)
	b := net.VariableWithShape("b", shapes.Make(dtypes.Float32, 8)).NodeValue(g)
	v := net.VariableWithShape("v", shapes.Make(dtypes.Float32, 8, dim)).NodeValue(g)
	_ = t
	return MatMul(Tanh(Add(MatMul(x, w), ExpandLeftToRank(b, 2))), v)
}

// dpObjective regresses y = x·A on inputs perturbed by in-graph noise (so the RNG state is part of the step, as in
// the project's diffusion objectives).
func dpObjective(root *model.Scope, in []*Node) *Node {
	x, y := in[0], in[1]
	noise := MulScalar(root.RandomNormal(x.Graph(), x.Shape()), 0.01)
	return ReduceAllMean(Square(Sub(dpFwd(NetScope(root), Add(x, noise), nil), y)))
}

// dpBatch is a deterministic batch of 8 points in 2-D: x and y = x·[[1,2],[-1,0.5]], different at every step.
func dpBatch(step int) []*tensors.Tensor {
	const n, dim = 8, 2
	xs := make([]float32, n*dim)
	ys := make([]float32, n*dim)
	for i := range n {
		a := float32(math.Sin(float64(i+1) * float64(step+1)))
		c := float32(math.Cos(float64(3*i+step) * 0.7))
		xs[2*i], xs[2*i+1] = a, c
		ys[2*i], ys[2*i+1] = a-c, 2*a+0.5*c
	}
	return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(xs, n, dim), tensors.FromFlatDataAndDimensions(ys, n, dim)}
}

// lossRecorder is a Watcher keeping every step's loss.
type lossRecorder struct{ losses []float64 }

func (r *lossRecorder) Progress(string, progress.Status)   {}
func (r *lossRecorder) Loss(_ string, _ int, loss float64) { r.losses = append(r.losses, loss) }

// newDPStage is a prepared stage on the pure-Go backend training dpFwd with the given device count.
func newDPStage(t *testing.T, b compute.Backend, devices, steps int) *Stage {
	t.Helper()
	st, err := NewStage(b, "dp", "", 2, dpFwd, Config{Steps: steps, LR: 0.01, EMA: 0.9, Devices: devices}, 7)
	if err != nil {
		t.Fatal(err)
	}
	st.Out = io.Discard
	if _, err := st.Prepare(nil); err != nil {
		t.Fatal(err)
	}
	return st
}

// netValues returns every variable under /net and /ema/net as flat float32 data, by path.
func netValues(t *testing.T, st *Stage) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range st.Store.IterVariables() {
		if !strings.HasPrefix(v.Path(), "/net/") && !strings.HasPrefix(v.Path(), "/ema/net/") {
			continue
		}
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		out[v.Path()] = tensors.MustCopyFlatData[float32](val)
	}
	return out
}

// maxAbsDiff is the largest |a−b| over the variables of a and b, which must hold the same paths and sizes.
func maxAbsDiff(t *testing.T, a, b map[string][]float32) float64 {
	t.Helper()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("variable sets differ: %d vs %d variables", len(a), len(b))
	}
	var m float64
	for p, va := range a {
		vb, ok := b[p]
		if !ok || len(va) != len(vb) {
			t.Fatalf("variable %s missing or of another size in the second set", p)
		}
		for i := range va {
			m = max(m, math.Abs(float64(va[i])-float64(vb[i])))
		}
	}
	return m
}

// The mesh and sharding specs for 4 devices, and the host-side split of a batch: checked exactly (it is a copy of
// the data, no arithmetic), with no backend involved.
func TestDataParallelMeshAndSpecs(t *testing.T) {
	d, err := newDataParallel(4)
	if err != nil {
		t.Fatal(err)
	}
	// A 1-D mesh of 4 devices named "data".
	if d.mesh.NumDevices() != 4 || !slices.Equal(d.mesh.AxesNames(), []string{DataAxis}) || !slices.Equal(d.mesh.AxesSizes(), []int{4}) {
		t.Fatalf("mesh = %s, want 1-D data[4]", d.mesh)
	}
	if !d.replicated.IsReplicated() || d.replicated.Mesh != d.mesh {
		t.Fatalf("replicated spec = %s", d.replicated)
	}
	// Batch specs: axis 0 split over "data", the other axes replicated, one entry per tensor axis.
	for rank, want := range map[int]string{1: "[S(data)]", 2: "[S(data), R]", 3: "[S(data), R, R]"} {
		s, err := d.batchSpec(rank)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.String(); got != "ShardingSpec{mesh=mesh, axes="+want+"}" || s.Rank() != rank {
			t.Errorf("batchSpec(%d) = %s, want axes %s", rank, got, want)
		}
	}

	// x [8,3] holds 0..23, y [8] holds 100..107: device k must get rows 2k and 2k+1 of both; frac is replicated.
	xs := make([]float32, 24)
	for i := range xs {
		xs[i] = float32(i)
	}
	ys := []float32{100, 101, 102, 103, 104, 105, 106, 107}
	x := tensors.FromFlatDataAndDimensions(xs, 8, 3)
	args, specs, err := d.shard([]*tensors.Tensor{x, tensors.FromFlatDataAndDimensions(ys, 8)}, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 3 || len(specs) != 3 {
		t.Fatalf("got %d args and %d specs, want 3 and 3 (x, y, frac)", len(args), len(specs))
	}
	if specs[0].String() != "ShardingSpec{mesh=mesh, axes=[S(data), R]}" || specs[1].String() != "ShardingSpec{mesh=mesh, axes=[S(data)]}" || !specs[2].IsReplicated() {
		t.Fatalf("input specs = %v", specs)
	}
	dx, dy, df := args[0].(*dtensor.Tensor), args[1].(*dtensor.Tensor), args[2].(*dtensor.Tensor)
	for k := range 4 {
		gotX := tensors.MustCopyFlatData[float32](dx.Shards()[k])
		if !slices.Equal(dx.Shards()[k].Shape().Dimensions, []int{2, 3}) || !slices.Equal(gotX, xs[6*k:6*k+6]) {
			t.Errorf("x shard %d = %s %v, want [2 3] %v", k, dx.Shards()[k].Shape(), gotX, xs[6*k:6*k+6])
		}
		if gotY := tensors.MustCopyFlatData[float32](dy.Shards()[k]); !slices.Equal(gotY, ys[2*k:2*k+2]) {
			t.Errorf("y shard %d = %v, want %v", k, gotY, ys[2*k:2*k+2])
		}
		if f := tensors.ToScalar[float32](df.Shards()[k]); f != 0.25 {
			t.Errorf("frac replica %d = %v, want 0.25", k, f)
		}
	}
	// The logical (global) shape is the batch's, and merging the shards gives the batch back.
	merged, err := dx.Merge()
	if err != nil {
		t.Fatal(err)
	}
	if !dx.Shape().Equal(x.Shape()) || !slices.Equal(tensors.MustCopyFlatData[float32](merged), xs) {
		t.Fatalf("merged x = %s, want the original [8 3] batch", merged)
	}
}

// A global batch not divisible by the device count and a device count < 1 are refused with messages naming the
// numbers involved; a scalar input is replicated.
func TestDataParallelValidation(t *testing.T) {
	d, err := newDataParallel(4)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = d.shard([]*tensors.Tensor{tensors.FromShape(shapes.Make(dtypes.Float32, 6, 2))}, 0)
	t.Logf("batch of 6 on 4 devices: %v", err)
	if err == nil || !strings.Contains(err.Error(), "is 6, not divisible by Devices = 4") {
		t.Errorf("batch of 6 on 4 devices: got %v, want a 'not divisible' error naming 6 and 4", err)
	}
	// A scalar input (ECT passes its step) is replicated, with the replicated spec, like frac.
	args, specs, err := d.shard([]*tensors.Tensor{tensors.FromScalar(float32(7))}, 0.5)
	if err != nil || len(args) != 2 || specs[0] != d.replicated || specs[1] != d.replicated {
		t.Errorf("scalar batch input: got %d args, specs %v, err %v; want 2 replicated inputs", len(args), specs, err)
	}
	if _, err := newDataParallel(0); err == nil {
		t.Error("newDataParallel(0) gave no error")
	}
}

// Devices = 2 on the pure-Go backend (one device) stops before the first step with ErrTooManyDevices, a message
// naming both numbers and the backend to use, and leaves the weights untouched (compared exactly); Devices = -1 is
// refused too.
func TestDataParallelTooManyDevices(t *testing.T) {
	b := backend.MustNew(nil)
	if b.NumDevices() != 1 {
		t.Skipf("backend %s has %d devices; this test is about a one-device backend", b.Name(), b.NumDevices())
	}
	st := newDPStage(t, b, 2, 3)
	before := netValues(t, st)
	err := st.Run(context.Background(), dpObjective, dpBatch)
	t.Logf("Devices=2: %v", err)
	if !errors.Is(err, ErrTooManyDevices) {
		t.Fatalf("got %v, want ErrTooManyDevices", err)
	}
	for _, want := range []string{"Devices = 2", "has 1 device(s)", "GOMLX_BACKEND=xla:cuda", "at least 2 GPUs"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if st.Step != 0 || st.exec != nil || st.dp != nil {
		t.Errorf("after the refusal: Step=%d exec=%v dp=%v, want 0, nil, nil", st.Step, st.exec, st.dp)
	}
	if d := maxAbsDiff(t, before, netValues(t, st)); d != 0 {
		t.Errorf("weights moved by %g although no step ran", d)
	}

	st = newDPStage(t, b, -1, 3)
	if err := st.Run(context.Background(), dpObjective, dpBatch); err == nil || !strings.Contains(err.Error(), "Devices = -1") {
		t.Errorf("Devices=-1: got %v, want an error", err)
	}
}

// Devices = 1 is the single-device path: the same seed and batches give bit-identical losses and weights (/net
// and /ema/net) as Devices = 0 after 3 steps, and no distributed configuration is made.
func TestDevicesOneIsSingleDevice(t *testing.T) {
	b := backend.MustNew(nil)
	var losses [2][]float64
	var vals [2]map[string][]float32
	for i, devices := range []int{0, 1} {
		st := newDPStage(t, b, devices, 3)
		rec := &lossRecorder{}
		st.Watch = rec
		if err := st.Run(context.Background(), dpObjective, dpBatch); err != nil {
			t.Fatalf("Devices=%d: %v", devices, err)
		}
		if st.dp != nil {
			t.Errorf("Devices=%d configured data parallelism", devices)
		}
		losses[i], vals[i] = rec.losses, netValues(t, st)
	}
	if len(losses[0]) != 3 || !slices.Equal(losses[0], losses[1]) {
		t.Errorf("losses differ: Devices=0 %v, Devices=1 %v", losses[0], losses[1])
	}
	if d := maxAbsDiff(t, vals[0], vals[1]); d != 0 {
		t.Errorf("weights differ by %g between Devices=0 and Devices=1, want bit-identical", d)
	}
	t.Logf("losses %v", losses[0])
}

// The distributed (AutoSharding) path on a mesh of one device, on whatever backend GOMLX_BACKEND selects. On the
// pure-Go backend of GoMLX v0.28.16 it cannot run: the graph builder refuses with "in DistributedAutoSharding(): op
// not implemented", which must come back as an error of the first step (not a panic), with no step counted. On a
// backend that runs it (XLA), 3 steps must match the single-device path: losses to a relative 1e-5 and weights to
// 1e-5 absolute (float32, the same data on one device; only the compiler's reduction order may differ).
func TestDataParallelOneDeviceMesh(t *testing.T) {
	b := backend.MustNew(nil)
	single := newDPStage(t, b, 0, 3)
	recS := &lossRecorder{}
	single.Watch = recS
	if err := single.Run(context.Background(), dpObjective, dpBatch); err != nil {
		t.Fatal(err)
	}

	st := newDPStage(t, b, 0, 3)
	if err := st.ForceDataParallel(1); err != nil {
		t.Fatal(err)
	}
	rec := &lossRecorder{}
	st.Watch = rec
	err := st.Run(context.Background(), dpObjective, dpBatch)
	// XLA's PJRT compile refuses a distributed program without a device assignment (seen on an H200).
	if got := st.exec.DeviceAssignment(); !slices.Equal(got, []compute.DeviceNum{0}) {
		t.Errorf("device assignment %v, want [0]", got)
	}
	if err == nil && st.exec.DistributionStrategy() != distributed.AutoSharding {
		t.Fatalf("the step ran, but with strategy %s, not AutoSharding", st.exec.DistributionStrategy())
	}
	if err != nil {
		t.Logf("backend %s: %v", b.Name(), err)
		if !errors.Is(err, compute.ErrNotImplemented) || !strings.Contains(err.Error(), "DistributedAutoSharding") {
			t.Fatalf("got %v, want the backend's 'DistributedAutoSharding(): not implemented' error", err)
		}
		if st.Step != 0 || len(rec.losses) != 0 {
			t.Errorf("a refused step was counted: Step=%d, losses %v", st.Step, rec.losses)
		}
		if b.String() != "go" {
			t.Errorf("backend %s refused AutoSharding; only the pure-Go backend is expected to", b.Name())
		}
		return
	}
	if len(rec.losses) != 3 {
		t.Fatalf("losses %v, want 3", rec.losses)
	}
	for i := range rec.losses {
		if math.Abs(rec.losses[i]-recS.losses[i]) > 1e-5*math.Abs(recS.losses[i]) {
			t.Errorf("step %d: loss %v distributed vs %v single", i+1, rec.losses[i], recS.losses[i])
		}
	}
	if d := maxAbsDiff(t, netValues(t, single), netValues(t, st)); d > 1e-5 {
		t.Errorf("weights differ by %g > 1e-5", d)
	}
	// ForceDataParallel after compilation is refused.
	if err := st.ForceDataParallel(1); err == nil {
		t.Error("ForceDataParallel after Run gave no error")
	}
}
