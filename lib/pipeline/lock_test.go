package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofrs/flock"
)

// A run folder held by another holder (here a second open file description, as another process would have) is
// refused with that holder's pid in the message; once released it can be taken, and taken again by this process.
func TestRunDirLock(t *testing.T) {
	dir := t.TempDir()
	other := flock.New(filepath.Join(dir, LockFile))
	if ok, err := other.TryLock(); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	if err := os.WriteFile(filepath.Join(dir, LockFile), []byte("12345\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := lockRunDir(dir)
	if err == nil || !strings.Contains(err.Error(), "in use by process 12345") {
		t.Fatalf("second holder: err = %v", err)
	}
	other.Unlock()
	if err := lockRunDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := lockRunDir(dir); err != nil {
		t.Errorf("same process again: %v", err)
	}
	unlockRunDir(dir)
}
