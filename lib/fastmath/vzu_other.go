//go:build !amd64

package fastmath

// ClearUpperAVX is a no-op off amd64 (see vzu_amd64.go).
func ClearUpperAVX() {}
