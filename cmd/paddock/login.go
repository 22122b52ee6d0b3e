package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/paddockhq/paddock/internal/cli"
)

func loginCmd() *cobra.Command {
	var (
		o             cli.LoginOptions
		passwordStdin bool
		noBrowser     bool
	)
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to a Paddock server and write kubeconfig contexts for the clusters you may reach",
		Long: `Sign in to a Paddock server and write a kubeconfig context paddock-<cluster> for
every cluster you may reach. The kubeconfig holds no secret: its user runs
"paddock credential", which turns the session kept in --config-dir into
short-lived tokens.

The server's CA is pinned: pass its SHA-256 (sha256sum of the CA file the
administrator publishes, or of <server>/cacerts) with --ca-checksum, or
--trust-ca to trust what the server shows now.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Server == "" {
				return errors.New("--server is required")
			}
			if err := defaultDirs(&o.ConfigDir, &o.Kubeconfig); err != nil {
				return err
			}
			if passwordStdin {
				o.PasswordFrom = cmd.InOrStdin()
			}
			if (cli.TTY{}).Available() {
				o.Prompt = cli.TTY{}
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			o.Executable, o.Out = exe, cmd.OutOrStdout()
			if !noBrowser {
				o.OpenBrowser = openBrowser
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return cli.Login(ctx, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "", "https URL of the Paddock server")
	f.StringVar(&o.Provider, "provider", cli.LocalProvider, "sign-in provider: local, or a configured one (LDAP asks for a password; OIDC, SAML and GitHub open the browser)")
	f.BoolVar(&noBrowser, "no-browser", false, "only print the URL of a browser sign-in")
	f.StringVar(&o.Username, "username", "", "username; asked on the terminal when empty")
	f.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	f.StringVar(&o.Pin.Checksum, "ca-checksum", "", "hex SHA-256 of the server's CA (/cacerts) to pin")
	f.BoolVar(&o.Pin.TrustOnFirstUse, "trust-ca", false, "without --ca-checksum, trust the CA the server shows now")
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig to write (default: $KUBECONFIG or ~/.kube/config)")
	f.StringVar(&o.ConfigDir, "config-dir", "", "where sessions and the pinned CA are kept (default ~/.paddock)")
	return cmd
}

// openBrowser tries the desktop's opener; the URL is printed anyway.
func openBrowser(url string) error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil
	}
	cmd := exec.Command("xdg-open", url)
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

// defaultDirs fills an empty config folder and kubeconfig path.
func defaultDirs(configDir, kubeconfig *string) error {
	if *configDir == "" {
		d, err := cli.DefaultDir()
		if err != nil {
			return err
		}
		*configDir = d
	}
	if kubeconfig != nil && *kubeconfig == "" {
		*kubeconfig = cli.DefaultKubeconfig()
	}
	return nil
}
