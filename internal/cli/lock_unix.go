//go:build unix

package cli

import (
	"os"
	"syscall"
)

// lock takes an exclusive flock on f, waiting for other holders.
func lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}
