package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/paddockhq/paddock/internal/agent"
	"github.com/paddockhq/paddock/internal/config"
)

func agentCmd() *cobra.Command {
	var o agent.Options
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Connect this cluster to a Paddock server through an outbound tunnel",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.ApplyEnv(cmd.Flags(), os.LookupEnv); err != nil {
				return err
			}
			if o.Server == "" || o.Token == "" {
				return errors.New("--server and --token (or PADDOCK_SERVER and PADDOCK_TOKEN) are required")
			}
			log := slog.New(slog.NewTextHandler(os.Stderr, nil))
			slog.SetDefault(log)
			o.Logger = log
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			err := agent.Run(ctx, o)
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Server, "server", "", "https URL of the Paddock server [PADDOCK_SERVER]")
	f.StringVar(&o.Token, "token", "", "registration token (pdr_…) or agent credential (pda_…) [PADDOCK_TOKEN]")
	f.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig of the cluster to connect; empty means in-cluster [PADDOCK_KUBECONFIG]")
	f.StringVar(&o.CAChecksum, "ca-checksum", "", "hex SHA-256 of the server's CA (/cacerts) to pin [PADDOCK_CA_CHECKSUM]")
	f.StringVar(&o.StateFile, "state-file", "", "where to keep the agent credential when running outside the cluster [PADDOCK_STATE_FILE]")
	return cmd
}
