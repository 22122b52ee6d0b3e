// Command paddock is Paddock's single binary: the server, and the agent
// that connects a cluster to it.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/paddockhq/paddock/internal/app"
	"github.com/paddockhq/paddock/internal/config"
	"github.com/paddockhq/paddock/internal/version"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "paddock:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "paddock",
		Short:         "One URL in front of many Kubernetes clusters",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serverCmd(), agentCmd(), versionCmd(), loginCmd(), credentialCmd())
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "paddock", version.String()) },
	}
}

func serverCmd() *cobra.Command {
	cfg := config.Defaults()
	var demoCluster bool
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the Paddock server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.ApplyEnv(cmd.Flags(), os.LookupEnv); err != nil {
				return err
			}
			cfg.LoadSecretsFromEnv()
			if err := cfg.Validate(); err != nil {
				return err
			}
			log := app.NewLogger(os.Stderr, cfg.LogLevel, cfg.LogFormat)
			slog.SetDefault(log) // request and audit logs use the default logger
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a, err := app.Start(ctx, cfg, log, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if demoCluster {
				a.StartDemoCluster(cmd.OutOrStdout())
			}
			select {
			case <-ctx.Done():
				log.Info("shutting down")
			case err := <-a.Done():
				if !errors.Is(err, http.ErrServerClosed) {
					log.Error("server stopped", "err", err)
				}
			}
			sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			return a.Shutdown(sctx)
		},
	}
	cfg.BindFlags(cmd.Flags())
	cmd.Flags().BoolVar(&demoCluster, "demo-cluster", false,
		"also run a simulated local cluster (3 kwok nodes; needs the binaries of make toolchain) connected as \"demo\" [PADDOCK_DEMO_CLUSTER]")
	return cmd
}
