package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gofrs/flock"
)

// LockFile is the file in a run folder that a process holds an exclusive lock on while it uses the folder.
const LockFile = ".lock"

var (
	locksMu sync.Mutex
	locks   = map[string]*flock.Flock{} // run folders this process holds, by absolute path
)

// ErrInUse marks a run folder locked by another process.
var ErrInUse = errors.New("run folder in use")

// lockRunDir takes the run folder's lock for this process, or says which process holds it. Two processes on one
// folder would write the same checkpoints; one process may open the same folder again (a notebook's stages).
// The lock is the operating system's (flock), so it goes away with the process, however it ends.
func lockRunDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	locksMu.Lock()
	defer locksMu.Unlock()
	if locks[abs] != nil {
		return nil
	}
	path := filepath.Join(abs, LockFile)
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return fmt.Errorf("locking the run folder %s: %w", dir, err)
	}
	if !ok {
		who := "another process"
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				who = fmt.Sprintf("process %d", pid)
			}
		}
		return fmt.Errorf("the run folder %s is in use by %s: wait for it to finish, or give this run another folder (-out): %w", dir, who, ErrInUse)
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		l.Unlock()
		return err
	}
	locks[abs] = l
	return nil
}

// unlockRunDir releases the folder's lock if this process holds it.
func unlockRunDir(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	locksMu.Lock()
	defer locksMu.Unlock()
	if l := locks[abs]; l != nil {
		l.Unlock()
		delete(locks, abs)
	}
}
