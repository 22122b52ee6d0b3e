package localcluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// All keys are ECDSA P-256: generating one takes well under a millisecond,
// against tens of milliseconds for RSA-2048, and every component accepts them
// (the apiserver signs service-account tokens with ES256).

// certValidity is generous so a cluster outlives any test; the clocks of the
// test and its children are the same, so backdating one hour is plenty.
const certValidity = 7 * 24 * time.Hour

// A persistent cluster ([Options].Persist) keeps its CAs for years, and
// its certificates for one; a restart reissues a serving certificate that
// has less than renewBefore left (component certificates are new at every
// start anyway).
const (
	persistentCAValidity   = 10 * 365 * 24 * time.Hour
	persistentLeafValidity = 365 * 24 * time.Hour
	renewBefore            = 30 * 24 * time.Hour
)

// authority is a certificate authority that lives as long as one cluster.
type authority struct {
	cert    *x509.Certificate
	key     crypto.Signer
	keyPEM  []byte
	certPEM []byte
	// leafValidity is how long the certificates it issues are valid.
	leafValidity time.Duration
}

func newAuthority(commonName string, validity, leafValidity time.Duration) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"paddock-testenv"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("localcluster: self-signing %s: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyPEM, err := ecKeyPEM(key)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key, keyPEM: keyPEM, certPEM: pemBlock("CERTIFICATE", der), leafValidity: leafValidity}, nil
}

// loadAuthority reads a CA written by an earlier start: its PEM certificate
// and PEM EC private key.
func loadAuthority(certPEM, keyPEM []byte, leafValidity time.Duration) (*authority, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := parseECKey(keyPEM)
	if err != nil {
		return nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("the key does not belong to certificate %q", cert.Subject.CommonName)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("certificate %q is not a CA", cert.Subject.CommonName)
	}
	return &authority{cert: cert, key: key, keyPEM: keyPEM, certPEM: certPEM, leafValidity: leafValidity}, nil
}

// reusable reports whether a serving certificate written by an earlier start
// can serve on: signed by a, valid for more than renewBefore, for every
// host, and with a matching key.
func (a *authority) reusable(pair keyPair, hosts []string, now time.Time) bool {
	cert, err := parseCert(pair.certPEM)
	if err != nil {
		return false
	}
	key, err := parseECKey(pair.keyPEM)
	if err != nil || !key.PublicKey.Equal(cert.PublicKey) {
		return false
	}
	if cert.CheckSignatureFrom(a.cert) != nil || now.Before(cert.NotBefore) || now.Add(renewBefore).After(cert.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func parseCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func parseECKey(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "EC PRIVATE KEY" {
		return nil, errors.New("no PEM EC private key")
	}
	return x509.ParseECPrivateKey(block.Bytes)
}

// keyPair is a PEM certificate and its PEM private key.
type keyPair struct {
	certPEM, keyPEM []byte
}

// clientCert issues a client certificate the apiserver maps to user (the
// common name) in groups (the organizations).
func (a *authority) clientCert(user string, groups []string) (keyPair, error) {
	return a.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: groups},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
}

// servingCert issues a server certificate for the given DNS names and IPs.
func (a *authority) servingCert(hosts ...string) (keyPair, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: hosts[0]},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return a.issue(tmpl)
}

func (a *authority) issue(tmpl *x509.Certificate) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, err
	}
	serial, err := newSerial()
	if err != nil {
		return keyPair{}, err
	}
	now := time.Now()
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.Add(a.leafValidity)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, key.Public(), a.key)
	if err != nil {
		return keyPair{}, fmt.Errorf("localcluster: issuing a certificate for %q: %w", tmpl.Subject.CommonName, err)
	}
	keyPEM, err := ecKeyPEM(key)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{certPEM: pemBlock("CERTIFICATE", der), keyPEM: keyPEM}, nil
}

// newSigningKey returns the PEM private key the apiserver signs
// service-account tokens with (and the controller-manager signs legacy
// token secrets with).
func newSigningKey() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return ecKeyPEM(key)
}

func ecKeyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pemBlock("EC PRIVATE KEY", der), nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
}

// randomToken returns 32 random bytes in hex: a bearer token.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails on Linux (crypto/rand panics rather)
	return hex.EncodeToString(b)
}
