package nets

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// WidenTimes initialises an MLP with more time inputs from one with fewer (a two-time flow map from a one-time
// flow-matching teacher). Every variable under fromPrefix in `from` is copied to the same relative path under
// toPrefix in `to`, where the wider network must already be built. Variables of equal shape are copied as they
// are; a time-embedding weight, [k·E, H] in the source and [k'·E, H] (k' > k) in the destination, goes into the
// destination's first k·E rows, the other rows set to zero. The wider network then ignores its extra time inputs
// and computes the narrower one's function: F'(x, c₁, c₂) = F(x, c₁).
func WidenTimes(from *model.Store, fromPrefix string, to *model.Store, toPrefix string) error {
	n := 0
	for v := range from.IterVariables() {
		if !strings.HasPrefix(v.Path(), fromPrefix+"/") {
			continue
		}
		dstPath := toPrefix + strings.TrimPrefix(v.Path(), fromPrefix)
		dst := to.GetVariable(dstPath)
		if dst == nil {
			return fmt.Errorf("nets: widening %s: no variable %s in the destination (build the network first)", v.Path(), dstPath)
		}
		src, err := v.Value()
		if err != nil {
			return err
		}
		old, err := dst.Value()
		if err != nil {
			return err
		}
		sd, dd := src.Shape().Dimensions, old.Shape().Dimensions
		var out *tensors.Tensor
		switch {
		case slices.Equal(sd, dd):
			if out, err = src.LocalClone(); err != nil {
				return err
			}
		case len(sd) == 2 && len(dd) == 2 && sd[1] == dd[1] && dd[0] > sd[0]:
			flat := make([]float32, dd[0]*dd[1])
			copy(flat, tensors.MustCopyFlatData[float32](src))
			out = tensors.FromFlatDataAndDimensions(flat, dd...)
		default:
			return fmt.Errorf("nets: widening %s: shape %v does not fit %v at %s", v.Path(), sd, dd, dstPath)
		}
		if err := dst.SetValue(out); err != nil {
			return fmt.Errorf("nets: widening %s: %w", dstPath, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("nets: no variables under %s to widen", fromPrefix)
	}
	return nil
}
