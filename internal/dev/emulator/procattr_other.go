//go:build !linux

package emulator

import "syscall"

// GroupAttr starts a child in a process group of its own, so that EndGroup
// ends it with everything it started. Outside Linux there is no parent-death
// signal: a child outlives a process that is killed outright.
func GroupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
