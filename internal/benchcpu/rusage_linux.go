package benchcpu

import "syscall"

const rusageThread = 1 // RUSAGE_THREAD

func threadTime() int64  { return rusage(rusageThread) }
func processTime() int64 { return rusage(syscall.RUSAGE_SELF) }

func rusage(who int) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return -1 << 62
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
