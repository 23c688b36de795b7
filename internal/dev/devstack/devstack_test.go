package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// The example printed by run works only if the seed policy store is in the
// account the local API gives unsigned and non-numeric callers.
func TestSeedAccountIsDefaultAccount(t *testing.T) {
	if apigw.DefaultAccount != emulatortest.SeedAccount {
		t.Errorf("apigw.DefaultAccount = %s, emulatortest.SeedAccount = %s", apigw.DefaultAccount, emulatortest.SeedAccount)
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		argv []string
		want int
	}{
		{"ok", []string{"true"}, 0},
		{"status", []string{"sh", "-c", "exit 7"}, 7},
		{"signal", []string{"sh", "-c", "kill -TERM $$"}, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := exec.Command(tc.argv[0], tc.argv[1:]...).Run()
			if got := exitCode(err); got != tc.want {
				t.Errorf("exitCode(%v) = %d, want %d", err, got, tc.want)
			}
		})
	}
}

func TestRandomString(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := randomString(26, lowerAlnum)
		if len(s) != 26 || strings.Trim(s, lowerAlnum) != "" {
			t.Fatalf("randomString = %q, want 26 of %q", s, lowerAlnum)
		}
		if seen[s] {
			t.Fatalf("randomString repeated %q", s)
		}
		seen[s] = true
	}
}

// A pid file naming a dead process, or a live process that is not a
// devstack, must not be taken for a running devstack (pool would SIGHUP it).
func TestRunningDevstackIgnoresStrangers(t *testing.T) {
	dir := t.TempDir()
	write := func(pid int) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, pidFileName), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := runningDevstack(dir); got != 0 {
		t.Errorf("no pid file: got %d", got)
	}

	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	write(sleeper.Process.Pid)
	if got := runningDevstack(dir); got != 0 {
		t.Errorf("pid of sleep: got %d, want 0", got)
	}

	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	write(dead.Process.Pid)
	if got := runningDevstack(dir); got != 0 {
		t.Errorf("pid of an exited process: got %d, want 0", got)
	}
}
