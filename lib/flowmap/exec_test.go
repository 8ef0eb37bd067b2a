package flowmap

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Exec1 runs a one-input, one-output graph function once.
func Exec1(b compute.Backend, fn func(*Node) *Node, x *tensors.Tensor) (*tensors.Tensor, error) {
	return CallOnce(b, fn, x)
}
