package ldap

import (
	"context"
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
	"strings"
	"testing"
	"time"

	"github.com/paddockhq/paddock/internal/idp"
)

func TestTLS(t *testing.T) {
	dir := directory(t)
	ctx := context.Background()
	ldaps := settings(dir.LDAPSURL())
	ldaps.CAPEM = dir.CAPEM()
	startTLS := settings(dir.URL())
	startTLS.StartTLS, startTLS.CAPEM = true, dir.CAPEM()
	for name, s := range map[string]Settings{"LDAPS": ldaps, "StartTLS": startTLS} {
		t.Run(name, func(t *testing.T) {
			id, err := newConnector(t, s, svcPW).Login(ctx, "alice", alicePW)
			if err != nil || groupsString(id) != "devs,ops" {
				t.Fatalf("Login = %+v, %v", id, err)
			}
		})
		t.Run(name+" without the CA", func(t *testing.T) {
			s.CAPEM = ""
			c := newConnector(t, s, svcPW)
			_, err := c.Login(ctx, "alice", alicePW)
			wantTLSError(t, err, "certificate signed by unknown authority")
			wantTLSError(t, c.Check(ctx), "certificate signed by unknown authority")
		})
		t.Run(name+" trusting another CA", func(t *testing.T) {
			other, _ := selfSigned(t, "other.example")
			s.CAPEM = other
			wantTLSError(t, newConnector(t, s, svcPW).Check(ctx), "certificate signed by unknown authority")
		})
	}
}

func TestTLSNameMismatch(t *testing.T) {
	certPEM, cert := selfSigned(t, "ldap.example.com")
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _ = c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	s := settings("ldaps://" + l.Addr().String())
	s.CAPEM = certPEM
	wantTLSError(t, newConnector(t, s, svcPW).Check(context.Background()), "certificate name mismatch")
}

func wantTLSError(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, idp.ErrUnavailable) || !strings.Contains(err.Error(), "TLS: "+want) {
		t.Fatalf("err = %v, want ErrUnavailable with TLS: %s", err, want)
	}
	t.Logf("as expected: %v", err)
}

// selfSigned makes a certificate for name only (not 127.0.0.1).
func selfSigned(t *testing.T, name string) (string, tls.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, never read
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
