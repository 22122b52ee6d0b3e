package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/paddockhq/paddock/internal/idp"
)

// maxIdle is how long a pooled connection may sit unused before it is
// closed rather than reused.
const maxIdle = 2 * time.Minute

var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// conn is one LDAP connection whose raw socket we keep, to put a deadline
// on every request (go-ldap has none on TLS handshakes).
type conn struct {
	l       *ldap.Conn
	raw     net.Conn
	timeout time.Duration
	broken  bool // a transport error or timeout happened: do not reuse
	// timedOut: the last request got no answer in time.
	timedOut  bool
	idleSince time.Time // when it was put back in the pool
}

// dial connects, does the TLS handshake (LDAPS or StartTLS), all within
// the timeout.
func (c *connector) dial(ctx context.Context) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", c.hostport)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot connect to %s: %v", idp.ErrUnavailable, c.hostport, err)
	}
	deadline, _ := ctx.Deadline()
	_ = raw.SetDeadline(deadline)
	var nc net.Conn = raw
	if c.ldaps {
		tc := tls.Client(raw, c.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			if ne := net.Error(nil); ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
				return nil, c.opError("TLS handshake", fmt.Errorf("no answer within %v (%v)", c.timeout, err))
			}
			return nil, c.tlsError(err)
		}
		nc = tc
	}
	l := ldap.NewConn(nc, c.ldaps)
	l.Start()
	l.SetTimeout(c.timeout)
	cn := &conn{l: l, raw: raw, timeout: c.timeout}
	_ = raw.SetDeadline(time.Time{})
	if c.s.StartTLS {
		if err := cn.do(ctx, func() error { return l.StartTLS(c.tlsConfig) }); err != nil {
			l.Close()
			if strings.Contains(err.Error(), "TLS handshake failed") && !cn.timedOut {
				return nil, c.tlsError(err)
			}
			return nil, c.opError("StartTLS", err)
		}
	}
	return cn, nil
}

// do runs one request with a deadline on the socket: the timeout, or the
// context's deadline or cancellation if sooner.
func (cn *conn) do(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(cn.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	budget := time.Until(deadline).Round(time.Millisecond)
	_ = cn.raw.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = cn.raw.SetDeadline(time.Now()) })
	err := f()
	if !stop() && ctx.Err() != nil {
		cn.broken = true // the AfterFunc may still set a past deadline
	}
	_ = cn.raw.SetDeadline(time.Time{})
	if err == nil || !isTransport(err) {
		return err
	}
	cn.broken = true
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	case ctx.Err() != nil || !time.Now().Before(deadline):
		cn.timedOut = true
		return fmt.Errorf("no answer within %v (%v)", budget, err)
	}
	return err
}

func (cn *conn) close() { _ = cn.l.Close() }

// search runs one search. With limit 0 it returns everything, retrying
// with paged results when the server caps the size (AD: 1,000); with a
// limit, a capped result is not an error.
func (cn *conn) search(ctx context.Context, base string, scope int, filter string, attrs []string, limit int) ([]*ldap.Entry, error) {
	req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, limit, int(cn.timeout/time.Second), false, filter, attrs, nil)
	var res *ldap.SearchResult
	err := cn.do(ctx, func() (err error) { res, err = cn.l.Search(req); return err })
	if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		if limit > 0 {
			return res.Entries, nil
		}
		// Paging is not the default: OpenLDAP's dynlist may return
		// incomplete results with it.
		err = cn.do(ctx, func() (err error) { res, err = cn.l.SearchWithPaging(req, 500); return err })
	}
	if err != nil {
		return nil, err
	}
	return res.Entries, nil
}

// isTransport reports whether err is about the connection rather than an
// LDAP result the server sent.
func isTransport(err error) bool {
	var le *ldap.Error
	if errors.As(err, &le) {
		return le.ResultCode == ldap.ErrorNetwork || le.ResultCode == ldap.LDAPResultUnavailable ||
			le.ResultCode == ldap.LDAPResultBusy || le.ResultCode == ldap.ErrorUnexpectedResponse
	}
	return true // go-ldap reports read failures and timeouts as plain errors
}

// opError turns a failed request into an ErrUnavailable naming the server
// and the operation.
func (c *connector) opError(what string, err error) error {
	return fmt.Errorf("%w: ldap %s: %s: %v", idp.ErrUnavailable, c.hostport, what, err)
}

// tlsError says precisely why a TLS handshake failed.
func (c *connector) tlsError(err error) error {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	msg := err.Error()
	why := "handshake failed"
	switch {
	case errors.As(err, &ua) || strings.Contains(msg, "certificate signed by unknown authority"):
		why = "certificate signed by unknown authority (set caPEM to the CA that signed the directory's certificate)"
	case errors.As(err, &he) || strings.Contains(msg, "certificate is valid for") || strings.Contains(msg, "certificate is not valid for any names") || strings.Contains(msg, "x509: cannot validate certificate for"):
		why = "certificate name mismatch: it is not valid for " + c.tlsConfig.ServerName
	case errors.As(err, &ci) || strings.Contains(msg, "x509: certificate has expired"):
		why = "certificate invalid"
	}
	return fmt.Errorf("%w: ldap %s: TLS: %s: %v", idp.ErrUnavailable, c.hostport, why, err)
}

// service returns a connection bound as BindDN: an idle pooled one
// (re-bound, which also proves it alive) or a new one. At most PoolSize are
// in use at once; the caller must release it.
func (c *connector) service(ctx context.Context) (*conn, error) {
	wait := time.NewTimer(c.timeout)
	defer wait.Stop()
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for a service connection: %v", idp.ErrUnavailable, ctx.Err())
	case <-wait.C:
		return nil, fmt.Errorf("%w: all %d service connections stayed busy for %v", idp.ErrUnavailable, c.s.PoolSize, c.timeout)
	}
	for {
		var cn *conn
		select {
		case cn = <-c.idle:
		default:
		}
		if cn == nil {
			break
		}
		if time.Since(cn.idleSince) > maxIdle {
			cn.close() // firewalls and AD drop idle connections silently
			continue
		}
		err := c.serviceBind(ctx, cn)
		if err == nil {
			return cn, nil
		}
		cn.close()
		if cn.timedOut {
			c.drain() // the others are likely as dead: do not wait for each
		}
		if !cn.broken || cn.timedOut {
			<-c.slots
			return nil, err
		}
		// Closed by the server (restart, idle limit): try the next one.
		c.log.Debug("ldap: dropping a stale pooled connection", "server", c.hostport, "err", err)
	}
	if c.isClosed() {
		<-c.slots
		return nil, fmt.Errorf("%w: connector closed", idp.ErrUnavailable)
	}
	cn, err := c.dial(ctx)
	if err == nil {
		if err = c.serviceBind(ctx, cn); err != nil {
			cn.close()
		}
	}
	if err != nil {
		<-c.slots
		return nil, err
	}
	c.log.Debug("ldap: opened a service connection", "server", c.hostport)
	return cn, nil
}

func (c *connector) serviceBind(ctx context.Context, cn *conn) error {
	err := cn.do(ctx, func() error { return cn.l.Bind(c.s.BindDN, c.bindPassword) })
	switch {
	case err == nil:
		return nil
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
		return fmt.Errorf("%w: ldap %s: service bind refused (bad bindDN or password): %v", idp.ErrUnavailable, c.hostport, err)
	default:
		return c.opError("service bind as "+c.s.BindDN, err)
	}
}

// release returns a service connection to the pool, or closes it.
func (c *connector) release(cn *conn) {
	defer func() { <-c.slots }()
	if cn.broken || cn.l.IsClosing() || c.isClosed() {
		cn.close()
		return
	}
	cn.idleSince = time.Now()
	select {
	case c.idle <- cn:
	default:
		cn.close()
	}
	if c.isClosed() { // Close ran meanwhile
		c.drain()
	}
}

func (c *connector) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *connector) drain() {
	for {
		select {
		case cn := <-c.idle:
			cn.close()
		default:
			return
		}
	}
}

// Close closes the idle service connections; ones in use close when
// released.
func (c *connector) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.drain()
	return nil
}
