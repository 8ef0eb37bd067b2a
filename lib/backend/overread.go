package backend

import (
	"runtime"
	"sync"
)

// reserveHeapHeadroom works around an out-of-bounds read in Go 1.27's simd/archsimd: LoadFloat32x16Part (and its
// siblings) load all 16 lanes and mask afterwards, so the tail of every vectorised loop reads up to 60 bytes past the
// end of its slice. GoMLX's pure-Go backend uses these loads for the tails of elementwise and broadcast ops
// (compute v0.1.14 binaryops_simd.go, reduce_simd.go), e.g. adding a bias to a [N, 2] tensor. The read faults
// (SIGSEGV, "fatal error: fault") only when the buffer ends exactly where the mapped heap ends; it was seen in 2 of
// ~9 runs of a sweep-heavy notebook, and once in notebook 04 with a 1 GiB block (2026-12-05), hence headroomBytes.
// Allocating, then dropping, a large block once makes the runtime map heap far beyond the working set; address-
// ordered allocation then keeps a program of this size in the low part of it, so its buffers are followed by mapped
// (if unused) memory. The block must be collected at once: while it is live the collector's goal becomes twice its
// size, the program's garbage piles up past the mapped heap, and the heap grows at new boundaries (that is how
// the 4 GiB block still faulted once, 2026-12-05; with the collection the heap does not grow, overread_test.go).
// The pages are never written, so they cost address space, not memory. A mitigation, not a fix: the fix belongs
// upstream (a masked load that suppresses faults).
var reserveHeapHeadroom = sync.OnceFunc(func() {
	func() {
		ballast := make([]byte, headroomBytes)
		runtime.KeepAlive(ballast)
	}()
	runtime.GC() // resets the collector's goal to the real live heap (see above)
})

// headroomBytes is the size of the block reserveHeapHeadroom maps: address space only, never resident.
const headroomBytes = 4 << 30
