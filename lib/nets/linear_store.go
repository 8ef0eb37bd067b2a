package nets

import (
	"github.com/gocmt/cmt/lib/host"
	"github.com/gomlx/gomlx/ml/model"
)

// SetLinear writes Linear weights into store under prefix (e.g. "/net"), creating the variables if needed.
func SetLinear(store *model.Store, prefix string, w LinearParams) {
	dim := len(w.U)
	set := func(name string, v []float64, dims ...int) {
		t := host.Tensor(v, dims...)
		if old := store.GetVariable(prefix + "/" + name); old != nil {
			old.MustSetValue(t)
			return
		}
		if _, err := store.CreateVariable(prefix+"/"+name, t); err != nil {
			panic(err)
		}
	}
	set("w", w.W, dim, dim)
	set("u", w.U, dim)
	set("b", w.B, dim)
}
