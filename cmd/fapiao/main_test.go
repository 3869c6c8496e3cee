package main

import (
	"strings"
	"testing"
)

// TestRun checks the command line's exit statuses and messages without
// starting a server.
func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a fragment, "" for none expected
		stderr string
	}{
		{"no command", nil, exitUsage, "", "Commands:"},
		{"help", []string{"help"}, exitOK, "serve", ""},
		{"help flag", []string{"--help"}, exitOK, "Commands:", ""},
		{"help serve", []string{"help", "serve"}, exitOK, "", "--pprof"},
		{"unknown", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"serve without tokens", []string{"serve"}, exitUsage, "", "--tokens FILE is required"},
		{"serve bad store", []string{"serve", "--tokens", "t.json", "--store", "bolt://host/x.db"}, exitUsage, "", "names host"},
		{"serve bad clock", []string{"serve", "--tokens", "t.json", "--clock", "yesterday"}, exitUsage, "", "--clock"},
		{"serve public pprof", []string{"serve", "--tokens", "t.json", "--pprof", "0.0.0.0:6060"}, exitUsage, "", "not a loopback"},
		{"serve stray argument", []string{"serve", "--tokens", "t.json", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{"serve unknown flag", []string{"serve", "--nope"}, exitUsage, "", "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := jobRun(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if tt.stdout != "" && !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out)
			}
			if tt.stderr != "" && !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errOut)
			}
		})
	}
}

// TestHelpEveryCommand: each listed command has its usage line and answers
// "fapiao help <name>" with its flags.
func TestHelpEveryCommand(t *testing.T) {
	t.Parallel()
	_, usageText, _ := jobRun(t, "help")
	for _, c := range commands() {
		if !strings.Contains(usageText, "  "+c.name+" ") {
			t.Errorf("the usage text does not list %s", c.name)
		}
		code, _, errOut := jobRun(t, "help", c.name)
		if code != exitOK {
			t.Errorf("help %s: exit %d\n%s", c.name, code, errOut)
		}
		if !strings.Contains(errOut, "Usage: fapiao "+c.name) {
			t.Errorf("help %s printed no usage:\n%s", c.name, errOut)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:6060": true, "127.0.0.2:6060": true, "[::1]:6060": true, "localhost:6060": true, "LOCALHOST:0": true,
		"0.0.0.0:6060": false, ":6060": false, "[::]:6060": false, "10.0.0.5:6060": false, "example.com:6060": false,
		"127.0.0.1": false, "": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}
