package metrics

import (
	"errors"
	"fmt"
	"math"
)

// errNaN is wrapped by every error reporting NaN samples, so callers can test
// for it with errors.Is.
var errNaN = errors.New("samples contain NaN")

// checkPoints validates a row-major point set of shape [n*dim] and returns n.
// name identifies the argument in error messages ("x", "y", ...).
func checkPoints(name string, x []float64, dim int) (int, error) {
	if dim <= 0 {
		return 0, fmt.Errorf("metrics: dim must be positive, got %d", dim)
	}
	if len(x) == 0 {
		return 0, fmt.Errorf("metrics: %s is empty", name)
	}
	if len(x)%dim != 0 {
		return 0, fmt.Errorf("metrics: len(%s)=%d is not a multiple of dim=%d", name, len(x), dim)
	}
	if err := checkFinite(name, x); err != nil {
		return 0, err
	}
	return len(x) / dim, nil
}

// checkFinite reports an error if v holds a NaN or an infinity.
func checkFinite(name string, v []float64) error {
	for i, f := range v {
		if math.IsNaN(f) {
			return fmt.Errorf("metrics: %s %w (index %d)", name, errNaN, i)
		}
		if math.IsInf(f, 0) {
			return fmt.Errorf("metrics: %s samples contain Inf (index %d)", name, i)
		}
	}
	return nil
}
