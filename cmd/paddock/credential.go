package main

import (
	"errors"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/paddockhq/paddock/internal/cli"
)

func credentialCmd() *cobra.Command {
	var o cli.CredentialOptions
	cmd := &cobra.Command{
		Use:   "credential",
		Short: "Print a short-lived token as an ExecCredential (kubectl runs this; see paddock login)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Server == "" {
				return errors.New("--server is required")
			}
			if err := defaultDirs(&o.ConfigDir, nil); err != nil {
				return err
			}
			o.ExecInfo = os.Getenv("KUBERNETES_EXEC_INFO")
			o.Prompt, o.Parent, o.Now = cli.TTY{}, os.Getppid(), time.Now
			o.Out, o.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			return cli.Credential(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "", "https URL of the Paddock server")
	f.StringVar(&o.ConfigDir, "config-dir", "", "where paddock login keeps the session (default ~/.paddock)")
	return cmd
}
