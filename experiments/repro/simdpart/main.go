//go:build amd64 && goexperiment.simd

// Command simdpart is the smallest reproduction of a crash seen in the pure-Go backend (GoMLX compute v0.1.14 on
// Go 1.27.3 with GOEXPERIMENT=simd, on a CPU with AVX-512): simd/archsimd's LoadFloat32x16Part loads all 16 lanes
// (LoadFloat32x16Array, then Masked) instead of a masked load, so a part-load of the last few floats of a buffer
// that ends at a page boundary reads the next page. When that page is unmapped the process dies with SIGSEGV
// ("unexpected fault address"). compute's binaryops_simd.go uses LoadFloat32sPart for the tail of every row
// shorter than 16 lanes, which is every row of 2D data (dim 2): a long run on 2D data crashed this way once
// (make compare, 2026-12-04; it resumed from its checkpoints). The fix belongs in Go's archsimd (a masked load,
// VMOVUPS with a mask register) or in compute (no part-loads near the end of a buffer).
//
//	GOEXPERIMENT=simd go run ./experiments/repro/simdpart    # prints the fault on an AVX-512 machine
package main

import (
	"fmt"
	"os"
	"simd/archsimd"
	"syscall"
	"unsafe"
)

func main() {
	if !archsimd.X86.AVX512() {
		fmt.Println("no AVX-512 on this CPU: the 512-bit path is not taken")
		return
	}
	page := os.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic(err)
	}
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil { // the page after the buffer: unmapped
		panic(err)
	}
	floats := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), page/4)
	tail := floats[len(floats)-2:] // two valid floats, the last ones before the guard page
	tail[0], tail[1] = 1, 2
	fmt.Println("LoadFloat32x16Part of the last 2 floats before an unmapped page ...")
	v, n := archsimd.LoadFloat32x16Part(tail)
	var out [16]float32
	v.Store(out[:])
	fmt.Println("no fault: loaded", n, "lanes:", out[:n])
}
