package testenv

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// SlapdBin is where Debian's slapd package installs the server.
const SlapdBin = "/usr/sbin/slapd"

// RequireSlapdEnv names the environment variable that, set to "1", turns a
// missing slapd into a test failure instead of a skip (CI sets it).
const RequireSlapdEnv = "PADDOCK_REQUIRE_SLAPD"

// SlapdSuffix is the naming context every [Slapd] serves, seeded with
// ou=people and ou=groups.
const SlapdSuffix = "dc=example,dc=org"

// SlapdOptions says how to run a [Slapd]. The zero value is fine.
type SlapdOptions struct {
	// Timeout bounds the start; 20 s when zero (a start takes ~0.5 s).
	Timeout time.Duration
}

// Slapd is a private OpenLDAP server for one test: a real slapd (mdb
// backend; core, cosine, inetorgperson, nis and dyngroup schemas; the
// memberof overlay for direct memberOf and the dynlist overlay computing
// memberOf recursively through nested groupOfNames) serving SlapdSuffix on
// loopback with plain LDAP (StartTLS available) and LDAPS, both with a fresh
// self-signed certificate for 127.0.0.1 and localhost.
//
// Install it with `apt-get install -y slapd ldap-utils`. Without it,
// [StartSlapd] skips the test unless PADDOCK_REQUIRE_SLAPD=1.
type Slapd struct {
	t         testing.TB
	dir       string
	port      int
	tlsPort   int
	caPEM     []byte
	password  string
	cmd       *exec.Cmd
	done      chan struct{}
	stopOnce  sync.Once
	logPath   string
	ldapAdd   string
	ldapModif string
}

// StartSlapd runs slapd for the duration of the test (t.Cleanup stops it)
// and seeds dc=example,dc=org, ou=people and ou=groups. It must be called
// from the test's goroutine. A start takes ~0.5 s.
func StartSlapd(t testing.TB, opts SlapdOptions) *Slapd {
	t.Helper()
	var missing []string
	for _, bin := range []string{SlapdBin, "ldapadd", "ldapmodify"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("testenv: %s not installed (apt-get install -y slapd ldap-utils)", strings.Join(missing, ", "))
		if os.Getenv(RequireSlapdEnv) == "1" {
			t.Fatal(msg + "; " + RequireSlapdEnv + "=1 forbids skipping")
		}
		t.Skip(msg)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	s := &Slapd{t: t, dir: t.TempDir(), password: "admin-" + randomHex(8)}
	s.ldapAdd, _ = exec.LookPath("ldapadd")
	s.ldapModif, _ = exec.LookPath("ldapmodify")
	s.logPath = filepath.Join(s.dir, "slapd.log")
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			s.dumpLog()
		}
	})
	if err := s.writeFiles(); err != nil {
		t.Fatalf("testenv: slapd: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
	defer cancel()
	var err error
	for attempt := 0; attempt < 3; attempt++ { // a port taken meanwhile: retry
		if err = s.start(ctx); err == nil {
			break
		}
		s.Stop()
		s.stopOnce = sync.Once{}
		if ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("testenv: slapd did not start: %v", err)
	}
	s.Add(t, fmt.Sprintf(`dn: %[1]s
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,%[1]s
objectClass: organizationalUnit
ou: people

dn: ou=groups,%[1]s
objectClass: organizationalUnit
ou: groups
`, SlapdSuffix))
	return s
}

// URL is the plain LDAP address (StartTLS works on it).
func (s *Slapd) URL() string { return fmt.Sprintf("ldap://127.0.0.1:%d", s.port) }

// LDAPSURL is the LDAP-over-TLS address.
func (s *Slapd) LDAPSURL() string { return fmt.Sprintf("ldaps://127.0.0.1:%d", s.tlsPort) }

// CAPEM is the server's self-signed certificate, to trust.
func (s *Slapd) CAPEM() string { return string(s.caPEM) }

// AdminDN is the root DN, which may do anything.
func (s *Slapd) AdminDN() string { return "cn=admin," + SlapdSuffix }

// AdminPassword is the root DN's password.
func (s *Slapd) AdminPassword() string { return s.password }

// Add adds the entries in ldif (ldapadd); it fails the test on error.
func (s *Slapd) Add(t testing.TB, ldif string) {
	t.Helper()
	s.run(t, s.ldapAdd, ldif)
}

// Modify applies ldif changes (ldapmodify: changetype add, modify, delete,
// modrdn); it fails the test on error.
func (s *Slapd) Modify(t testing.TB, ldif string) {
	t.Helper()
	s.run(t, s.ldapModif, ldif)
}

func (s *Slapd) run(t testing.TB, bin, ldif string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-x", "-H", s.URL(), "-D", s.AdminDN(), "-w", s.password)
	cmd.Stdin = strings.NewReader(ldif)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: %s: %v\n%s", filepath.Base(bin), err, tail(out, 2000))
	}
}

// Stop terminates slapd (SIGTERM, SIGKILL after 3 s) and waits for it. It
// is idempotent; later operations fail to connect.
func (s *Slapd) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	})
}

func (s *Slapd) start(ctx context.Context) error {
	ports, err := freeLoopbackPorts(2)
	if err != nil {
		return err
	}
	s.port, s.tlsPort = ports[0], ports[1]
	_ = os.RemoveAll(filepath.Join(s.dir, "db"))
	if err := os.Mkdir(filepath.Join(s.dir, "db"), 0o700); err != nil {
		return err
	}
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	args := []string{"-f", filepath.Join(s.dir, "slapd.conf"), "-h", s.URL() + "/ " + s.LDAPSURL() + "/", "-d", "stats"}
	fmt.Fprintf(logFile, "### testenv: %s %s\n", SlapdBin, strings.Join(args, " "))
	cmd := exec.Command(SlapdBin, args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := spawnLocked(cmd); err != nil {
		return err
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	for {
		if err := s.probe(); err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("slapd exited: %s", cmd.ProcessState)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// probe binds as the admin over LDAP and LDAPS, which only our slapd can
// accept (random password, our certificate).
func (s *Slapd) probe() error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.caPEM)
	d := &net.Dialer{Timeout: time.Second}
	for _, u := range []string{s.URL(), s.LDAPSURL()} {
		c, err := ldap.DialURL(u, ldap.DialWithDialer(d), ldap.DialWithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}))
		if err != nil {
			return err
		}
		c.SetTimeout(time.Second)
		err = c.Bind(s.AdminDN(), s.password)
		c.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Slapd) writeFiles() error {
	certPEM, keyPEM, err := selfSignedLoopback()
	if err != nil {
		return err
	}
	s.caPEM = certPEM
	conf := strings.NewReplacer("DIR", s.dir, "ROOTPW", SSHA(s.password), "SUFFIX", SlapdSuffix).Replace(slapdConf)
	for name, data := range map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM, "slapd.conf": []byte(conf)} {
		if err := os.WriteFile(filepath.Join(s.dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func (s *Slapd) dumpLog() {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return
	}
	s.t.Logf("testenv: slapd log (%s):\n%s", s.logPath, tail(data, 8000))
}

const slapdConf = `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/dyngroup.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload dynlist
pidfile DIR/slapd.pid
sizelimit unlimited
TLSCertificateFile DIR/cert.pem
TLSCertificateKeyFile DIR/key.pem
database mdb
maxsize 1073741824
suffix "SUFFIX"
rootdn "cn=admin,SUFFIX"
rootpw ROOTPW
directory DIR/db
index objectClass,uid,cn,memberUid,member,uniqueMember,entryUUID eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
overlay memberof
memberof-refint TRUE
overlay dynlist
dynlist-attrset groupOfURLs memberURL member+memberOf@groupOfNames*
`

// SSHA returns the {SSHA} hash of password, as slappasswd makes it, for
// userPassword values in test entries.
func SSHA(password string) string {
	salt := make([]byte, 8)
	_, _ = rand.Read(salt)
	sum := sha1.Sum(append([]byte(password), salt...))
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(sum[:], salt...))
}

// selfSignedLoopback makes an ECDSA certificate for 127.0.0.1 and
// localhost, valid for a day.
func selfSignedLoopback() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "testenv slapd"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

func freeLoopbackPorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return append([]byte("..."), b[len(b)-n:]...)
	}
	return bytes.TrimSpace(b)
}

// spawnLocked starts cmd from one goroutine locked to its OS thread for the
// life of the test binary: Pdeathsig fires when the thread that forked the
// child exits, and the runtime may retire threads (golang.org/issue/27505).
func spawnLocked(cmd *exec.Cmd) error {
	slapdSpawner.once.Do(func() {
		slapdSpawner.reqs = make(chan *exec.Cmd)
		slapdSpawner.errs = make(chan error)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives on
			for c := range slapdSpawner.reqs {
				slapdSpawner.errs <- c.Start()
			}
		}()
	})
	slapdSpawner.mu.Lock()
	defer slapdSpawner.mu.Unlock()
	slapdSpawner.reqs <- cmd
	return <-slapdSpawner.errs
}

var slapdSpawner struct {
	once sync.Once
	mu   sync.Mutex
	reqs chan *exec.Cmd
	errs chan error
}
