// Package config owns Paddock's typed server configuration: defaults, the
// command-line flags and their PADDOCK_* environment variables, and
// validation with clear errors.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Server is the configuration of `paddock server`.
type Server struct {
	Listen            string
	DataDir           string
	Database          string // "" means SQLite at <DataDir>/paddock.db
	ExternalURL       string // "" means derived from Listen
	TLSCert           string
	TLSKey            string
	EncryptionKeyFile string // "" means <DataDir>/encryption.key
	LogLevel          string
	LogFormat         string
	TokenDefaultTTL   time.Duration
	TokenMaxTTL       time.Duration
	SessionTTL        time.Duration
	// SessionIdleTimeout ends login sessions unused for that long (0: off).
	SessionIdleTimeout time.Duration
	// GroupRefresh is how often identity-provider groups are re-read.
	GroupRefresh time.Duration
	AgentImage   string
	// ShellKubectl and ShellHelm are the binaries of the browser shell
	// ("" kubectl: $PADDOCK_K8S_BIN/kubectl, the toolchain's, or PATH's;
	// "" helm: no helm command).
	ShellKubectl string
	ShellHelm    string
	// ShellScratchRoot holds the shell sessions' folders ("": the shell
	// package's default, /run/paddock-shell as root); ShellUIDBase is the
	// first host uid of its sandboxes (0: 1,000,000,000). Two servers on
	// one host need different ones.
	ShellScratchRoot string
	ShellUIDBase     int
	// AWSEndpoint replaces every AWS endpoint (STS, EKS, EC2, IAM) of the
	// eks provider: for testing against an emulator (hidden flag).
	AWSEndpoint string
	// BootstrapPassword comes from PADDOCK_BOOTSTRAP_PASSWORD only (never a
	// flag: flags show up in process listings).
	BootstrapPassword string
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Server {
	return Server{
		Listen:          ":8443",
		DataDir:         "./paddock-data",
		LogLevel:        "info",
		LogFormat:       "text",
		TokenDefaultTTL: 30 * 24 * time.Hour,
		TokenMaxTTL:     365 * 24 * time.Hour,
		SessionTTL:      12 * time.Hour,
		GroupRefresh:    time.Hour,
		AgentImage:      "paddockhq/paddock:latest",
	}
}

// BindFlags registers the server flags on fs, writing into c.
func (c *Server) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "address to serve HTTPS on [PADDOCK_LISTEN]")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder for the SQLite database, certificates and keys [PADDOCK_DATA_DIR]")
	fs.StringVar(&c.Database, "database", c.Database, "postgres://... DSN; empty means SQLite in the data dir [PADDOCK_DATABASE]")
	fs.StringVar(&c.ExternalURL, "external-url", c.ExternalURL, "URL agents and kubeconfigs use to reach this server [PADDOCK_EXTERNAL_URL]")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM serving certificate; empty means a generated one [PADDOCK_TLS_CERT]")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM key of --tls-cert [PADDOCK_TLS_KEY]")
	fs.StringVar(&c.EncryptionKeyFile, "encryption-key-file", c.EncryptionKeyFile, "key for secrets at rest; empty means <data-dir>/encryption.key [PADDOCK_ENCRYPTION_KEY_FILE]")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error [PADDOCK_LOG_LEVEL]")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json [PADDOCK_LOG_FORMAT]")
	fs.DurationVar(&c.TokenDefaultTTL, "token-default-ttl", c.TokenDefaultTTL, "lifetime of API tokens created without a TTL [PADDOCK_TOKEN_DEFAULT_TTL]")
	fs.DurationVar(&c.TokenMaxTTL, "token-max-ttl", c.TokenMaxTTL, "longest lifetime an API token may ask for [PADDOCK_TOKEN_MAX_TTL]")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "lifetime of a login session [PADDOCK_SESSION_TTL]")
	fs.DurationVar(&c.SessionIdleTimeout, "session-idle-timeout", c.SessionIdleTimeout, "end login sessions unused for this long; 0 means never [PADDOCK_SESSION_IDLE_TIMEOUT]")
	fs.DurationVar(&c.GroupRefresh, "group-refresh-interval", c.GroupRefresh, "how often groups from identity providers are re-read [PADDOCK_GROUP_REFRESH_INTERVAL]")
	fs.StringVar(&c.AgentImage, "agent-image", c.AgentImage, "container image of the agent in import manifests [PADDOCK_AGENT_IMAGE]")
	fs.StringVar(&c.ShellKubectl, "shell-kubectl", c.ShellKubectl, "static kubectl binary of the browser shell; empty means $PADDOCK_K8S_BIN/kubectl or kubectl on PATH [PADDOCK_SHELL_KUBECTL]")
	fs.StringVar(&c.ShellHelm, "shell-helm", c.ShellHelm, "static helm binary offered in the browser shell; empty means none [PADDOCK_SHELL_HELM]")
	fs.StringVar(&c.ShellScratchRoot, "shell-scratch-root", c.ShellScratchRoot, "root-owned folder for the browser shell's per-session files; empty means /run/paddock-shell (as root) [PADDOCK_SHELL_SCRATCH_ROOT]")
	fs.IntVar(&c.ShellUIDBase, "shell-uid-base", c.ShellUIDBase, "first of 65,536 host uids the browser shell's sandboxes run as; 0 means 1000000000 [PADDOCK_SHELL_UID_BASE]")
	fs.StringVar(&c.AWSEndpoint, "aws-endpoint-url", c.AWSEndpoint, "for testing: one URL replacing every AWS endpoint of the eks provider (an emulator) [PADDOCK_AWS_ENDPOINT_URL]")
	_ = fs.MarkHidden("aws-endpoint-url")
}

// EnvName is the environment variable that backs a flag.
func EnvName(flag string) string {
	return "PADDOCK_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag not given on the command line from its PADDOCK_*
// variable, so flags win over the environment, which wins over defaults.
func ApplyEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		if v, ok := lookup(EnvName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvName(f.Name), err))
			}
		}
	})
	return errors.Join(errs...)
}

// LoadSecretsFromEnv reads settings that are never flags.
func (c *Server) LoadSecretsFromEnv() {
	c.BootstrapPassword = os.Getenv("PADDOCK_BOOTSTRAP_PASSWORD")
}

// Validate checks the configuration and fills derived defaults.
func (c *Server) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("--listen %q: %v", c.Listen, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.Database != "" && !IsPostgres(c.Database) {
		errs = append(errs, fmt.Errorf("--database must be a postgres:// or postgresql:// URL (SQLite needs no setting)"))
	}
	if c.ExternalURL != "" {
		u, err := url.Parse(c.ExternalURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("--external-url %q must look like https://host[:port]", c.ExternalURL))
		}
	}
	if c.ShellScratchRoot != "" && !filepath.IsAbs(c.ShellScratchRoot) {
		errs = append(errs, fmt.Errorf("--shell-scratch-root %q must be an absolute path", c.ShellScratchRoot))
	}
	if c.ShellUIDBase < 0 || c.ShellUIDBase > 1<<31-65536 {
		errs = append(errs, fmt.Errorf("--shell-uid-base %d must be from 0 to %d", c.ShellUIDBase, 1<<31-65536))
	}
	if c.AWSEndpoint != "" {
		u, err := url.Parse(c.AWSEndpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--aws-endpoint-url %q must look like http(s)://host[:port]", c.AWSEndpoint))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: use text or json", c.LogFormat))
	}
	if c.TokenDefaultTTL <= 0 || c.TokenMaxTTL <= 0 || c.SessionTTL <= 0 || c.GroupRefresh <= 0 {
		errs = append(errs, errors.New("token and session TTLs must be positive"))
	} else if c.TokenDefaultTTL > c.TokenMaxTTL {
		errs = append(errs, fmt.Errorf("--token-default-ttl %s exceeds --token-max-ttl %s", c.TokenDefaultTTL, c.TokenMaxTTL))
	}
	if c.SessionIdleTimeout < 0 || (c.SessionTTL > 0 && c.SessionIdleTimeout > c.SessionTTL) {
		errs = append(errs, fmt.Errorf("--session-idle-timeout %s must be from 0 (off) to --session-ttl %s", c.SessionIdleTimeout, c.SessionTTL))
	}
	return errors.Join(errs...)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// DatabaseDSN is the DSN the store opens.
func (c *Server) DatabaseDSN() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.DataDir, "paddock.db")
}

// KeyFile is where the encryption key lives.
func (c *Server) KeyFile() string {
	if c.EncryptionKeyFile != "" {
		return c.EncryptionKeyFile
	}
	return filepath.Join(c.DataDir, "encryption.key")
}

// ExternalURLFor returns the configured external URL, or one derived from
// the address actually listened on (an unspecified host becomes localhost).
func (c *Server) ExternalURLFor(listenAddr string) string {
	if c.ExternalURL != "" {
		return strings.TrimSuffix(c.ExternalURL, "/")
	}
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "https://" + listenAddr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "https://" + net.JoinHostPort(host, port)
}

// RedactDSN hides the password of a database URL, for logs.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
