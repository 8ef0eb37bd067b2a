package train

// Data-parallel training of a Stage across the devices of one machine (Config.Devices > 1), through GoMLX's own
// distributed machinery: the training step's model.Exec is switched to the AutoSharding strategy over a 1-D device
// mesh, every batch input is split along axis 0 over the mesh axis DataAxis, and everything else — the weights, Adam
// moments, EMA, the RNG state, the scalar frac and the loss — is replicated. XLA's Shardy partitioner inserts the
// collectives (the all-reduce of the gradients and of the loss); nothing here communicates between devices.
//
// What runs where (GoMLX v0.28.16, compute v0.1.14):
//   - the pure-Go backend ("go") reports one device and does not implement any distributed strategy: its builder
//     answers "in DistributedAutoSharding(): op not implemented", even for a mesh of one device;
//   - the XLA backend (PJRT plugin, e.g. GOMLX_BACKEND=xla:cuda on a multi-GPU machine) implements AutoSharding.
//
// experiments/gpu/spmd_check.sh compares this path with the single-device one on a machine with a PJRT plugin.

import (
	"errors"
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/dtensor"
	"github.com/gomlx/gomlx/ml/model"
)

// DataAxis is the name of the device-mesh axis the batch is split along in data-parallel training.
const DataAxis = "data"

// dataParallel is the distributed configuration of a stage's training step: a 1-D mesh of n devices named DataAxis,
// the sharding of the batch inputs (axis 0 split over the mesh) and of everything else (replicated).
type dataParallel struct {
	n          int
	mesh       *distributed.DeviceMesh
	replicated *distributed.ShardingSpec
}

// newDataParallel builds the mesh and the replicated spec for n ≥ 1 devices. It touches no backend.
func newDataParallel(n int) (*dataParallel, error) {
	if n < 1 {
		return nil, fmt.Errorf("data-parallel training needs at least 1 device, got %d", n)
	}
	mesh, err := distributed.NewDeviceMesh([]int{n}, []string{DataAxis})
	if err != nil {
		return nil, err
	}
	return &dataParallel{n: n, mesh: mesh, replicated: distributed.NewReplicatedShardingSpec(mesh)}, nil
}

// batchSpec is the sharding of a batch input of the given rank (≥ 1): axis 0 split over DataAxis, the other axes
// replicated. Its rank matches the input's, as XLA expects one entry per tensor axis.
func (d *dataParallel) batchSpec(rank int) (*distributed.ShardingSpec, error) {
	b := distributed.BuildSpec(d.mesh).S(DataAxis)
	for range rank - 1 {
		b = b.R()
	}
	return b.Done()
}

// shard splits the host batch inputs into per-device shards along axis 0 and replicates scalar inputs and frac; it returns the
// distributed tensors (in the order batch inputs…, frac) and the input sharding specs of the step.
func (d *dataParallel) shard(in []*tensors.Tensor, frac float32) (args []any, specs []*distributed.ShardingSpec, err error) {
	args = make([]any, 0, len(in)+1)
	specs = make([]*distributed.ShardingSpec, 0, len(in)+1)
	for i, t := range in {
		sh := t.Shape()
		if sh.Rank() == 0 {
			// A scalar input (e.g. ECT's step counter) is the same on every device: replicate it, like frac.
			dt, err := dtensor.ShardTensor(d.replicated, t)
			if err != nil {
				return nil, nil, fmt.Errorf("data-parallel training: replicating scalar input #%d: %w", i, err)
			}
			args, specs = append(args, dt), append(specs, d.replicated)
			continue
		}
		if b := sh.Dimensions[0]; b%d.n != 0 {
			return nil, nil, fmt.Errorf("data-parallel training: the global batch (axis 0 of batch input #%d, shape %s) is %d, not divisible by Devices = %d: use a batch size that is a multiple of %d",
				i, sh, b, d.n, d.n)
		}
		spec, err := d.batchSpec(sh.Rank())
		if err != nil {
			return nil, nil, err
		}
		dt, err := dtensor.ShardTensor(spec, t)
		if err != nil {
			return nil, nil, fmt.Errorf("data-parallel training: sharding batch input #%d: %w", i, err)
		}
		args = append(args, dt)
		specs = append(specs, spec)
	}
	dt, err := dtensor.ShardTensor(d.replicated, tensors.FromScalar(frac))
	if err != nil {
		return nil, nil, err
	}
	return append(args, dt), append(specs, d.replicated), nil
}

// configure switches the stage's step Exec to AutoSharding over the mesh, with every output (the updated variables
// and the loss) replicated, on devices 0…n−1. model.Exec.AutoSharding also makes replication the Store's default
// sharding, which covers the variables (/net, /ema/net, Adam's moments, /#rngState). The device assignment is
// required: without it XLA's PJRT compile refuses the program ("no device assignment given … not (device)
// portable", seen on an H200, 2026-12-04); GoMLX's own Trainer sets it the same way.
func (d *dataParallel) configure(e *model.Exec) {
	e.AutoSharding(d.mesh).WithOutputShardingSpecs(d.replicated).WithDeviceAssignment(d.devices())
}

// devices is the mesh's device assignment: devices 0…n−1 in mesh order.
func (d *dataParallel) devices() []compute.DeviceNum {
	devs := make([]compute.DeviceNum, d.n)
	for i := range devs {
		devs[i] = compute.DeviceNum(i)
	}
	return devs
}

// call runs one data-parallel step and returns the loss (device 0's replica) as the only output.
func (d *dataParallel) call(e *model.Exec, in []*tensors.Tensor, frac float32) (outs []*tensors.Tensor, err error) {
	args, specs, err := d.shard(in, frac)
	if err != nil {
		return nil, err
	}
	// The specs only matter when a graph is compiled for new shapes; they follow the inputs' ranks.
	e.WithInputShardingSpecs(specs...)
	defer func() {
		// GoMLX panics (instead of returning an error) when the backend's builder refuses the distributed strategy.
		if r := recover(); r != nil {
			if re, ok := r.(error); ok {
				err = fmt.Errorf("data-parallel step on %d device(s): %w", d.n, re)
			} else {
				err = fmt.Errorf("data-parallel step on %d device(s): %v", d.n, r)
			}
			outs = nil
		}
	}()
	all, err := e.Call(args...)
	if err != nil {
		return nil, err
	}
	// all holds n × (outputs per device), device-major; the step has one output, the replicated loss.
	if len(all) != d.n {
		return nil, fmt.Errorf("data-parallel step: expected %d replicas of the loss, got %d outputs", d.n, len(all))
	}
	for _, t := range all[1:] {
		_ = t.FinalizeAll()
	}
	return all[:1], nil
}

// ErrTooManyDevices marks a Config.Devices larger than the backend's device count.
var ErrTooManyDevices = errors.New("more devices requested than the backend has")

// ForceDataParallel routes the stage's training step through the distributed (AutoSharding) path on n devices even
// when n is 1, where Config.Devices = 1 keeps the single-device path. It exists for checks (the tests,
// experiments/gpu/spmdcheck): a one-device mesh exercises the whole distributed plumbing on a single GPU. Call it
// before Run; Config.Devices, when > 1, must then equal n.
func (s *Stage) ForceDataParallel(n int) error {
	d, err := newDataParallel(n)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	if s.exec != nil {
		return fmt.Errorf("%s: ForceDataParallel must be called before the training step is compiled (before Run)", s.Name)
	}
	s.dp = d
	return nil
}

// setupDataParallel validates Config.Devices against the backend and switches s.exec (just created by buildExec,
// not yet compiled) to data-parallel execution.
func (s *Stage) setupDataParallel() error {
	n := s.Cfg.Devices
	if s.dp != nil {
		if n > 1 && n != s.dp.n {
			return fmt.Errorf("%s: Config.Devices = %d but ForceDataParallel(%d) was called", s.Name, n, s.dp.n)
		}
		n = s.dp.n
	}
	if n < 0 {
		return fmt.Errorf("%s: Config.Devices = %d: use 0 or 1 for one device, N > 1 for data-parallel training on N devices", s.Name, n)
	}
	if have := s.Backend.NumDevices(); n > have {
		hint := fmt.Sprintf("run on a machine with at least %d GPUs with GOMLX_BACKEND=xla:cuda "+
			"(or GOMLX_BACKEND=xla:/abs/path/xla_cuda_plugin.so, see experiments/gpu/pjrt_cuda.sh), or set Devices to 1", n)
		if s.Backend.String() == "go" {
			hint = "the pure-Go backend has one device and no distributed support: " + hint
		}
		return fmt.Errorf("%s: %w: Config.Devices = %d but backend %q has %d device(s); %s",
			s.Name, ErrTooManyDevices, n, s.Backend.Name(), have, hint)
	}
	if s.dp == nil {
		d, err := newDataParallel(n)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		s.dp = d
	}
	s.dp.configure(s.exec)
	return nil
}
