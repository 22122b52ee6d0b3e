package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LocalProvider is the Paddock password provider.
const LocalProvider = "local"

// LoginOptions are the inputs of Login.
type LoginOptions struct {
	Server     string
	Provider   string // "" means local
	Username   string // "" means ask
	Pin        Pin    // Known is filled by Login from the config folder
	ConfigDir  string
	Kubeconfig string
	// PasswordFrom, when not nil, holds the password on its first line
	// (--password-stdin); else Prompt asks.
	PasswordFrom io.Reader
	Prompt       Prompter
	// Executable and the config folder make the plugin command line.
	Executable string
	Out        io.Writer // what was done
	// OpenBrowser, when set, opens a browser sign-in URL (the URL is
	// printed either way).
	OpenBrowser func(url string) error
}

// Login signs in to a server and writes its kubeconfig contexts.
func Login(ctx context.Context, o LoginOptions) error {
	server, key, err := NormalizeServer(o.Server)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(o.ConfigDir)
	if err != nil {
		return err
	}
	d := Dir(dir)
	if known, err := os.ReadFile(d.CA(key)); err == nil {
		o.Pin.Known = known
	}
	caPEM, sum, err := FetchCA(ctx, server, o.Pin)
	if errors.Is(err, ErrUnpinned) {
		return fmt.Errorf("the server's CA has the SHA-256 checksum %s; compare it with what the administrator published "+
			"(sha256sum of the CA file) and run again with --ca-checksum %s (or --trust-ca to trust it as seen now)", sum, sum)
	}
	if err != nil {
		return err
	}
	if o.Pin.Known == nil && o.Pin.Checksum == "" {
		fmt.Fprintf(o.Out, "Trusting the server's CA on first use (SHA-256 %s).\n", sum)
	}
	client, err := NewClient(caPEM)
	if err != nil {
		return err
	}
	a := &api{server: server, http: client}
	provider, kind, err := chooseProvider(ctx, a, o.Provider)
	if err != nil {
		return err
	}
	var (
		resp     *loginResponse
		username string
	)
	if kind == "redirect" {
		resp, err = browserLogin(ctx, a, provider, o.Out, o.OpenBrowser)
	} else {
		var password string
		if username, password, err = credentials(o); err != nil {
			return err
		}
		resp, err = a.login(ctx, provider, username, password)
	}
	if err != nil {
		return fmt.Errorf("signing in to %s: %w", server, err)
	}
	if err := writePrivate(d.CA(key), caPEM); err != nil {
		return err
	}
	// The name to sign in with again is the one the provider knows (a
	// directory user may be "dana@ldap" in Paddock).
	sess := &Session{Server: server, Provider: provider, Username: username, Token: resp.Token,
		ExpiresAt: resp.ExpiresAt, CAFile: d.CA(key)}
	if sess.Username == "" {
		sess.Username = resp.User.Username
	}
	if err := d.SaveSession(key, sess); err != nil {
		return err
	}
	// A token cached for an earlier session (maybe another user's) goes.
	if err := os.Remove(d.CacheFile(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fmt.Fprintf(o.Out, "Signed in to %s as %s (session until %s).\n", server, sess.Username, sess.ExpiresAt.Local().Format(time.RFC1123))
	cs, err := a.clusters(ctx, resp.Token)
	if err != nil {
		return fmt.Errorf("listing clusters: %w", err)
	}
	res, err := WriteKubeconfig(o.Kubeconfig, KubeconfigEntries{Server: server, Key: key, CAPEM: caPEM, Clusters: cs,
		Command: o.Executable, Args: []string{"credential", "--server", server, "--config-dir", dir}})
	if err != nil {
		return err
	}
	report(o.Out, o.Kubeconfig, res)
	return nil
}

func report(w io.Writer, path string, res *KubeconfigResult) {
	if len(res.Contexts) == 0 {
		fmt.Fprintf(w, "No cluster is reachable for you yet; wrote the user %s to %s. Run paddock login again once you have access.\n", res.User, path)
	} else {
		fmt.Fprintf(w, "Wrote to %s the user %s (runs `paddock credential`, holds no secret) and %d context(s): %s\n",
			path, res.User, len(res.Contexts), strings.Join(res.Contexts, ", "))
	}
	if len(res.Removed) > 0 {
		fmt.Fprintf(w, "Removed context(s) no longer reachable: %s\n", strings.Join(res.Removed, ", "))
	}
	if res.CurrentContext != "" {
		fmt.Fprintf(w, "Current context: %s\n", res.CurrentContext)
	}
}

// chooseProvider checks the provider against the server's list and
// returns how it signs in ("password" or "redirect").
func chooseProvider(ctx context.Context, a *api, name string) (string, string, error) {
	if name == "" {
		name = LocalProvider
	}
	ps, err := a.providers(ctx)
	if err != nil {
		return "", "", fmt.Errorf("listing the sign-in providers: %w", err)
	}
	var names []string
	for _, p := range ps {
		if p.Name != name {
			names = append(names, p.Name)
			continue
		}
		if p.Login != "password" && p.Login != "redirect" {
			return "", "", fmt.Errorf("provider %q signs in with %q, which this CLI does not know", name, p.Login)
		}
		return name, p.Login, nil
	}
	return "", "", fmt.Errorf("this server offers no sign-in provider %q; it offers: %s", name, strings.Join(names, ", "))
}

// credentials reads the username and password from the options, the
// reader or the prompt.
func credentials(o LoginOptions) (string, string, error) {
	username := o.Username
	if username == "" {
		if o.Prompt == nil {
			return "", "", errors.New("--username is required without a terminal")
		}
		var err error
		if username, err = o.Prompt.Line("Username: "); err != nil {
			return "", "", fmt.Errorf("reading the username: %w (pass --username)", err)
		}
	}
	var password string
	var err error
	switch {
	case o.PasswordFrom != nil:
		password, err = readSecretLine(o.PasswordFrom)
	case o.Prompt != nil:
		password, err = o.Prompt.Secret("Password for " + username + ": ")
	default:
		err = ErrNoTerminal
	}
	if err != nil {
		return "", "", fmt.Errorf("reading the password: %w (pass --password-stdin)", err)
	}
	if username == "" || password == "" {
		return "", "", errors.New("a username and a password are required")
	}
	return username, password, nil
}
