//go:build !amd64

package bias

// vzeroupper is a no-op off amd64 (see vzu_amd64.go).
func vzeroupper() {}
