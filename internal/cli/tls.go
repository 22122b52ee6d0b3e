package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Pin says how to trust a server's CA the first time.
type Pin struct {
	// Checksum is the expected hex SHA-256 of /cacerts as served (what
	// `sha256sum paddock-ca.pem` prints).
	Checksum string
	// TrustOnFirstUse accepts an unknown CA without a checksum.
	TrustOnFirstUse bool
	// Known is a CA pinned before (nil: none); it is trusted again when
	// the server still serves it.
	Known []byte
}

// ErrUnpinned is returned when the CA is new and neither a checksum nor
// trust on first use was given.
var ErrUnpinned = errors.New("unpinned CA")

// FetchCA reads server/cacerts over TLS without verification and accepts
// the CA only as pin allows: a man in the middle cannot produce a CA with
// the pinned hash. It returns the PEM and its checksum; on ErrUnpinned the
// checksum is returned too, for the user to verify.
func FetchCA(ctx context.Context, server string, pin Pin) ([]byte, string, error) {
	want := strings.ToLower(strings.TrimSpace(pin.Checksum))
	if want != "" && len(want) != 64 {
		return nil, "", fmt.Errorf("--ca-checksum must be a hex SHA-256 (64 characters)")
	}
	insecure := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, //nolint:gosec // verified by checksum below
	}}
	defer insecure.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/cacerts", nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := insecure.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetching the server CA: %w", err)
	}
	defer resp.Body.Close()
	pem, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("fetching the server CA: status %d %v", resp.StatusCode, err)
	}
	s := sha256.Sum256(pem)
	sum := hex.EncodeToString(s[:])
	switch {
	case want != "" && sum != want:
		return nil, sum, fmt.Errorf("the server's CA checksum is %s, not the pinned %s: refusing to connect", sum, want)
	case want == "" && pin.Known != nil && !bytes.Equal(pin.Known, pem):
		return nil, sum, fmt.Errorf("the server's CA (checksum %s) differs from the one pinned before: refusing to connect; "+
			"if the server's CA really changed, verify the new checksum and pass it with --ca-checksum", sum)
	case want == "" && pin.Known == nil && !pin.TrustOnFirstUse:
		return nil, sum, ErrUnpinned
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, sum, fmt.Errorf("the server's /cacerts holds no certificate")
	}
	return pem, sum, nil
}

// NewClient is an HTTP client that trusts only the CA in caPEM.
func NewClient(caPEM []byte) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("the pinned CA holds no certificate")
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, Proxy: http.ProxyFromEnvironment}}, nil
}

// clientFromFile is NewClient with the CA read from path.
func clientFromFile(path string) (*http.Client, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the pinned CA: %w", err)
	}
	return NewClient(pem)
}
