package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOperatorTLSCertificate starts the server with --tls-cert/--tls-key
// made here: it presents that certificate, /cacerts serves the chain's CA,
// and it generates no CA of its own.
func TestOperatorTLSCertificate(t *testing.T) {
	dir := t.TempDir()
	caPEM, leafDER, certFile, keyFile := writeTLSFiles(t, dir)
	s := start(t, options{customTLS: true, args: []string{"--tls-cert", certFile, "--tls-key", keyFile}})
	if !bytes.Equal(s.CAPEM, caPEM) {
		t.Errorf("/cacerts = %s, want the CA of the given chain %s", s.CAPEM, caPEM)
	}
	if !bytes.Equal(s.peerCert(), leafDER) {
		t.Error("the server does not present the --tls-cert certificate")
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	own := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer own.CloseIdleConnections()
	if status, body, err := get(own, s.URL+"/readyz"); err != nil || status != http.StatusOK {
		t.Errorf("/readyz trusting only the test's CA: %d %s %v", status, body, err)
	}
	if _, err := os.Stat(filepath.Join(s.opts.dataDir, "tls", "ca.crt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the server generated a CA although --tls-cert was given (stat: %v)", err)
	}
	s.stop()
}

// writeTLSFiles creates a CA and a serving certificate for 127.0.0.1 and
// localhost, writes the chain (leaf, then CA) and the key to dir, and
// returns the CA PEM, the leaf DER and the two file names.
func writeTLSFiles(t *testing.T, dir string) (caPEM, leafDER []byte, certFile, keyFile string) {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e operator CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "paddock e2e"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err = x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), caPEM...)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return caPEM, leafDER, certFile, keyFile
}
