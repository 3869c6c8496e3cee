package testkit

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time, user and system, that this process has used
// so far (0 if the system does not say). Benchmarks report the CPU an
// operation costs beside its rate: on a shared machine it holds still
// where the wall time does not.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
