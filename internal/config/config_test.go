package config

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, args []string, env map[string]string) (Server, error) {
	t.Helper()
	c := Defaults()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := ApplyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestPrecedenceFlagOverEnvOverDefault(t *testing.T) {
	c, err := parse(t, []string{"--listen", "127.0.0.1:9000"}, map[string]string{
		"PADDOCK_LISTEN": "127.0.0.1:9999", "PADDOCK_DATA_DIR": "/tmp/x", "PADDOCK_SESSION_TTL": "1h",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" || c.DataDir != "/tmp/x" || c.SessionTTL != time.Hour || c.LogLevel != "info" {
		t.Fatalf("%+v", c)
	}
}

func TestValidation(t *testing.T) {
	cases := map[string][]string{
		"must look like https":   {"--external-url", "http://x"},
		"postgres://":            {"--database", "mysql://x"},
		"go together":            {"--tls-cert", "a.pem"},
		"--listen":               {"--listen", "nonsense"},
		"exceeds --token-max":    {"--token-default-ttl", "48h", "--token-max-ttl", "24h"},
		"use debug, info":        {"--log-level", "loud"},
		"must look like https:/": {"--external-url", "https://x/path?q=1"},
		"must be an absolute":    {"--shell-scratch-root", "run/x"},
		"--shell-uid-base -1":    {"--shell-uid-base", "-1"},
	}
	for want, args := range cases {
		if _, err := parse(t, args, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want error containing %q", args, err, want)
		}
	}
	if _, err := parse(t, nil, map[string]string{"PADDOCK_SESSION_TTL": "soon"}); err == nil || !strings.Contains(err.Error(), "PADDOCK_SESSION_TTL") {
		t.Errorf("bad env duration: %v", err)
	}
}

func TestShellFlags(t *testing.T) {
	c, err := parse(t, []string{"--shell-scratch-root", "/run/paddock-b"}, map[string]string{"PADDOCK_SHELL_UID_BASE": "1100000000"})
	if err != nil || c.ShellScratchRoot != "/run/paddock-b" || c.ShellUIDBase != 1100000000 {
		t.Fatalf("%v %q %d", err, c.ShellScratchRoot, c.ShellUIDBase)
	}
}

func TestDerivedValues(t *testing.T) {
	c := Defaults()
	if got := c.ExternalURLFor("[::]:8443"); got != "https://localhost:8443" {
		t.Fatal(got)
	}
	if got := c.ExternalURLFor("10.1.2.3:443"); got != "https://10.1.2.3:443" {
		t.Fatal(got)
	}
	c.ExternalURL = "https://paddock.example.com/"
	if got := c.ExternalURLFor(":1"); got != "https://paddock.example.com" {
		t.Fatal(got)
	}
	if got := RedactDSN("postgres://u:hunter2@h/db"); strings.Contains(got, "hunter2") {
		t.Fatal(got)
	}
	if !strings.HasSuffix(c.DatabaseDSN(), "paddock.db") || !strings.HasSuffix(c.KeyFile(), "encryption.key") {
		t.Fatal(c.DatabaseDSN(), c.KeyFile())
	}
}

func TestAWSEndpointIsHiddenAndFromEnv(t *testing.T) {
	c, err := parse(t, nil, map[string]string{"PADDOCK_AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})
	if err != nil || c.AWSEndpoint != "http://127.0.0.1:4566" {
		t.Fatalf("%q, %v", c.AWSEndpoint, err)
	}
	if _, err := parse(t, []string{"--aws-endpoint-url", "ftp://x"}, nil); err == nil || !strings.Contains(err.Error(), "--aws-endpoint-url") {
		t.Fatalf("a bad endpoint: %v", err)
	}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	d := Defaults()
	d.BindFlags(fs)
	if f := fs.Lookup("aws-endpoint-url"); f == nil || !f.Hidden || strings.Contains(fs.FlagUsages(), "aws-endpoint-url") {
		t.Fatal("--aws-endpoint-url is not hidden from the help")
	}
}
