package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilproxy "k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/streaming/pkg/httpstream"

	"github.com/paddockhq/paddock/internal/auth"
)

// PathPrefix is where the proxy is mounted: /k8s/clusters/{id}/<kube path>.
const PathPrefix = "/k8s/clusters/"

// DefaultMaxBodyBytes is the request body limit when
// [Options].MaxBodyBytes is zero: above kube-apiserver's own 3 MiB object
// limit, so large CRDs still apply and the apiserver gives the precise error.
const DefaultMaxBodyBytes = 10 << 20

// Options configure a [Proxy]. Backend and Authorize are required.
type Options struct {
	// Backend says how to reach a cluster. Errors wrapping
	// [ErrClusterNotFound] become 404, [ErrClusterUnavailable] 503, others
	// 500.
	Backend func(ctx context.Context, clusterID string) (*Backend, error)
	// Authorize decides whether the principal may reach the cluster at all
	// (what it may do there is up to the cluster's RBAC). A non-nil error is
	// a 403 (404 if it wraps [ErrClusterNotFound]) sent before anything
	// reaches the cluster; its text is not shown to the client.
	Authorize func(ctx context.Context, p *auth.Principal, clusterID string) error
	// Identity maps a principal to the Kubernetes user and groups to
	// impersonate; [DefaultIdentity] when nil. An empty user is refused.
	Identity func(p *auth.Principal) (user string, groups []string)
	// Namespaces, when set, makes namespace requests follow projects (see
	// [NamespacePolicy]).
	Namespaces NamespacePolicy
	// MaxBodyBytes limits request bodies (not upgrade streams);
	// [DefaultMaxBodyBytes] when zero, no limit when negative.
	MaxBodyBytes int64
	// Logger receives errors talking to clusters; slog.Default() when nil.
	Logger *slog.Logger
	// Record, when set, records exec and attach sessions: it is called
	// before the upgrade (an error refuses it with 503) and the returned
	// recorder receives stdin, stdout, stderr and resizes of WebSocket
	// channel-protocol streams until the session ends.
	Record func(ctx context.Context, p *auth.Principal, clusterID string, t ExecTarget) (Recorder, error)
}

// Proxy is the kube API reverse proxy; see the package documentation.
type Proxy struct {
	opts Options
}

// New returns a Proxy. It panics when Backend or Authorize is nil: a proxy
// that cannot tell where to go or who may go there is a wiring bug.
func New(opts Options) *Proxy {
	if opts.Backend == nil || opts.Authorize == nil {
		panic("proxy: Options.Backend and Options.Authorize are required")
	}
	if opts.Identity == nil {
		opts.Identity = DefaultIdentity
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Proxy{opts: opts}
}

// ServeHTTP proxies /k8s/clusters/{id}/<kube path> to the cluster.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, rest, ok := splitPath(r.URL)
	if !ok {
		writeStatus(w, r, http.StatusNotFound, metav1.StatusReasonNotFound, "",
			"paddock: expected a path like "+PathPrefix+"{cluster id}/api")
		return
	}
	pr := auth.PrincipalFrom(ctx)
	if pr == nil || pr.User == nil {
		writeStatus(w, r, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "", "Unauthorized")
		return
	}
	if err := p.opts.Authorize(ctx, pr, id); err != nil {
		if errors.Is(err, ErrClusterNotFound) {
			writeStatus(w, r, http.StatusNotFound, metav1.StatusReasonNotFound, id,
				fmt.Sprintf("paddock: cluster %q not found", id))
			return
		}
		writeStatus(w, r, http.StatusForbidden, metav1.StatusReasonForbidden, id,
			fmt.Sprintf("paddock: user %q may not access cluster %q", pr.User.Username, id))
		return
	}
	ns := p.namespaces(w, r, pr, id, rest)
	if ns.done {
		return
	}
	user, groups := p.opts.Identity(pr)
	if user == "" {
		// Without Impersonate-User the cluster would see the proxy's own
		// credential: never send such a request.
		writeStatus(w, r, http.StatusInternalServerError, metav1.StatusReasonInternalError, id,
			"paddock: no cluster identity for this user")
		return
	}
	be, err := p.opts.Backend(ctx, id)
	switch {
	case errors.Is(err, ErrClusterNotFound):
		writeStatus(w, r, http.StatusNotFound, metav1.StatusReasonNotFound, id,
			fmt.Sprintf("paddock: cluster %q not found", id))
		return
	case errors.Is(err, ErrClusterUnavailable):
		writeStatus(w, r, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, id,
			fmt.Sprintf("paddock: cluster %q is unavailable", id))
		return
	case err != nil || be == nil || be.URL == nil:
		p.opts.Logger.ErrorContext(ctx, "proxy: cluster backend", "cluster", id, "err", err)
		writeStatus(w, r, http.StatusInternalServerError, metav1.StatusReasonInternalError, id,
			fmt.Sprintf("paddock: cannot reach cluster %q", id))
		return
	}

	upgrade := httpstream.IsUpgradeRequest(r)
	if pr.ViaCookie && r.Header.Get("Sec-Fetch-Mode") == "navigate" {
		// The web UI reads the proxy with fetch; a page navigated to with the
		// session cookie would render whatever a pod or service returns on
		// Paddock's own origin.
		writeStatus(w, r, http.StatusForbidden, metav1.StatusReasonForbidden, id,
			"paddock: open cluster content through Paddock's UI or kubectl, not as a page with the session cookie")
		return
	}
	if upgrade && pr.ViaCookie && !sameOrigin(r) {
		// A WebSocket handshake is a GET, so CSRF checks for unsafe methods
		// do not cover it: refuse a cookie-borne exec opened by another site.
		writeStatus(w, r, http.StatusForbidden, metav1.StatusReasonForbidden, id,
			"paddock: cross-origin upgrade with a session cookie refused")
		return
	}
	limit := &bodyLimit{}
	out := r.Clone(context.WithValue(ctx, bodyLimitKey{}, limit))
	if !upgrade && p.opts.MaxBodyBytes > 0 && r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > p.opts.MaxBodyBytes {
			writeTooLarge(w, r, id, p.opts.MaxBodyBytes)
			return
		}
		limit.max = p.opts.MaxBodyBytes
		out.Body = &limitedBody{ReadCloser: r.Body, left: p.opts.MaxBodyBytes + 1, limit: limit}
	}
	if ns.body != nil {
		out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(ns.body)), int64(len(ns.body))
	}
	sanitize(out.Header, upgrade)
	setForwarded(out.Header, r)
	if !ns.asPaddock {
		setIdentity(out.Header, user, groups)
	}

	target := *be.URL
	target.Path, target.RawPath = joinPath(be.URL, rest)
	target.RawQuery = r.URL.RawQuery
	if upgrade && p.opts.Record != nil {
		var done func()
		if w, done = p.record(w, r, pr, id, rest); w == nil {
			return
		}
		defer done()
	}
	h := &utilproxy.UpgradeAwareHandler{
		Location:         &target,
		Transport:        be.Transport,
		UpgradeTransport: be.UpgradeTransport,
		UseLocationHost:  true,
		// 0: Go's reverse proxy already flushes every write of a streamed
		// (chunked) response such as watch, logs -f or a large LIST, and
		// buffers fixed-length ones instead of a syscall per chunk.
		FlushInterval: 0,
		Responder:     responder{p: p, clusterID: id},
	}
	if !upgrade {
		w = &inertResponse{ResponseWriter: w}
	}
	h.ServeHTTP(w, out)
}

// splitPath cuts PathPrefix/{id} off the escaped path and returns the
// unescaped id and the rest, still escaped ("/" when empty).
func splitPath(u *url.URL) (id, rest string, ok bool) {
	escaped, found := strings.CutPrefix(u.EscapedPath(), PathPrefix)
	if !found {
		return "", "", false
	}
	rawID, rest, _ := strings.Cut(escaped, "/")
	id, err := url.PathUnescape(rawID)
	if err != nil || id == "" {
		return "", "", false
	}
	return id, "/" + rest, true
}

// sameOrigin reports whether the request's Origin names this server.
func sameOrigin(r *http.Request) bool {
	o, err := url.Parse(r.Header.Get("Origin"))
	return err == nil && o.Host != "" && strings.EqualFold(o.Host, r.Host)
}

// joinPath appends the escaped kube path rest to base's path and returns the
// result as URL.Path and URL.RawPath.
func joinPath(base *url.URL, rest string) (path, rawPath string) {
	raw := strings.TrimSuffix(base.EscapedPath(), "/") + rest
	path, err := url.PathUnescape(raw)
	if err != nil { // rest came from a parsed URL, so this cannot happen
		return raw, ""
	}
	if path == raw {
		return path, ""
	}
	return path, raw
}

// responder turns errors of the reverse proxy into Status responses.
type responder struct {
	p         *Proxy
	clusterID string
}

func (rs responder) Error(w http.ResponseWriter, r *http.Request, err error) {
	if l, _ := r.Context().Value(bodyLimitKey{}).(*bodyLimit); l != nil && l.exceeded.Load() {
		writeTooLarge(w, r, rs.clusterID, l.max)
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client went away
	}
	rs.p.opts.Logger.WarnContext(r.Context(), "proxy: cluster request failed",
		"cluster", rs.clusterID, "method", r.Method, "path", r.URL.Path, "err", err)
	writeStatus(w, r, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, rs.clusterID,
		fmt.Sprintf("paddock: error talking to cluster %q", rs.clusterID))
}

func writeTooLarge(w http.ResponseWriter, r *http.Request, id string, max int64) {
	writeStatus(w, r, http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, id,
		fmt.Sprintf("paddock: request body larger than %d bytes", max))
}

type bodyLimitKey struct{}

// bodyLimit records that a request body went over the limit, so the
// error of the aborted backend request can be reported as a 413.
type bodyLimit struct {
	max      int64
	exceeded atomic.Bool // set by the transport's body-writing goroutine
}

// limitedBody fails reads once more than the limit has been read (left
// starts at the limit plus one).
type limitedBody struct {
	io.ReadCloser
	left  int64
	limit *bodyLimit
}

var errBodyTooLarge = errors.New("proxy: request body too large")

func (b *limitedBody) Read(buf []byte) (int, error) {
	if b.left <= 0 {
		b.limit.exceeded.Store(true)
		return 0, errBodyTooLarge
	}
	if int64(len(buf)) > b.left {
		buf = buf[:b.left]
	}
	n, err := b.ReadCloser.Read(buf)
	b.left -= int64(n)
	if b.left <= 0 {
		b.limit.exceeded.Store(true)
		return n, errBodyTooLarge
	}
	return n, err
}
