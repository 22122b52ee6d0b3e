package pki

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEnsureCreatesAndReuses(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	b1, err := Ensure(dir, []string{"localhost", "127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(b1.Cert.Certificate[0])
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(b1.CAPEM)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "ca.key")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("ca.key mode %v", fi.Mode())
	}
	b2, err := Ensure(dir, []string{"localhost"}, now)
	if err != nil || !bytes.Equal(b1.CAPEM, b2.CAPEM) || !bytes.Equal(b1.Cert.Certificate[0], b2.Cert.Certificate[0]) {
		t.Fatalf("restart must reuse CA and serving cert: %v", err)
	}
	// A new host reissues the serving cert under the same CA.
	b3, err := Ensure(dir, []string{"localhost", "paddock.example.com"}, now)
	if err != nil || !bytes.Equal(b1.CAPEM, b3.CAPEM) || bytes.Equal(b1.Cert.Certificate[0], b3.Cert.Certificate[0]) {
		t.Fatalf("new host: %v", err)
	}
	leaf3, _ := x509.ParseCertificate(b3.Cert.Certificate[0])
	if leaf3.VerifyHostname("paddock.example.com") != nil {
		t.Fatal("reissued cert does not cover the new host")
	}
	// Near expiry reissues too.
	b4, err := Ensure(dir, []string{"localhost"}, now.Add(350*24*time.Hour))
	if err != nil || bytes.Equal(b3.Cert.Certificate[0], b4.Cert.Certificate[0]) {
		t.Fatalf("renewal: %v", err)
	}
	if b1.Checksum() != b4.Checksum() || len(b1.Checksum()) != 64 {
		t.Fatal("checksum must follow the CA")
	}
}

func TestEnsureRefusesDamagedCA(t *testing.T) {
	dir := t.TempDir()
	if _, err := Ensure(dir, []string{"localhost"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "ca.key"))
	if _, err := Ensure(dir, []string{"localhost"}, time.Now()); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("missing key must not silently mint a new CA: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "ca.key"), []byte("garbage"), 0o600)
	if _, err := Ensure(dir, []string{"localhost"}, time.Now()); err == nil || !strings.Contains(err.Error(), "unusable") {
		t.Fatalf("garbage key: %v", err)
	}
}
