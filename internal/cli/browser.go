package cli

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// BrowserTimeout bounds how long `paddock login` waits for the browser.
var BrowserTimeout = 5 * time.Minute

// browserLogin signs in through a redirect provider (OIDC, SAML, GitHub):
// a listener on 127.0.0.1 receives the code the server sends the browser
// to, and only this process, holding the verifier, can trade it for the
// session.
func browserLogin(ctx context.Context, a *api, provider string, out io.Writer, open func(string) error) (*loginResponse, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	verifier := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the browser's return: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	codes := make(chan string, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.URL.Query().Get("code")
		if r.URL.Path != "/callback" || code == "" {
			http.Error(w, "not a Paddock sign-in", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Paddock</title><p>Signed in. You can close this window and return to the terminal.</p>")
		select {
		case codes <- code:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	target := fmt.Sprintf("%s/v1/auth/providers/%s/login?cli_port=%d&cli_challenge=%s", a.server, url.PathEscape(provider), port, challenge)
	fmt.Fprintf(out, "Sign in with %s in your browser:\n\n    %s\n\nWaiting for the browser (up to %s)...\n", provider, target, BrowserTimeout)
	if open != nil {
		_ = open(target)
	}
	wait, cancel := context.WithTimeout(ctx, BrowserTimeout)
	defer cancel()
	var code string
	select {
	case code = <-codes:
	case <-wait.Done():
		return nil, errors.New("no sign-in came back from the browser in time")
	}
	var resp loginResponse
	err = a.do(ctx, "POST", "/v1/auth/cli/exchange", "", map[string]string{"code": code, "verifier": verifier}, &resp)
	if err != nil {
		return nil, fmt.Errorf("exchanging the sign-in code: %w", err)
	}
	return &resp, nil
}
