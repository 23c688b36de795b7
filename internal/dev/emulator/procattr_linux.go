package emulator

import "syscall"

// GroupAttr starts a child in a process group of its own (so that EndGroup
// ends it with everything it started) and, on Linux, has the kernel kill it
// should this process die first.
func GroupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
