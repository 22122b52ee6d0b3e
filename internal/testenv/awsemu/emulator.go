package awsemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Service names, as they appear in SigV4 credential scopes.
const (
	svcSTS = "sts"
	svcIAM = "iam"
	svcEC2 = "ec2"
	svcEKS = "eks"
)

// maxBody bounds request bodies; AWS refuses far smaller ones for these
// operations.
const maxBody = 1 << 20

// Options configure an [Emulator]. The zero value is usable.
type Options struct {
	// Region is the one region the emulator serves; requests must be
	// signed for it (IAM also accepts us-east-1). "us-east-1" when empty.
	Region string
	// ClusterDelay is how long an EKS cluster stays CREATING (at least;
	// also until its kube-apiserver is ready) and DELETING. 1 s when zero.
	ClusterDelay time.Duration
	// NodegroupDelay is how long a nodegroup stays CREATING, UPDATING and
	// DELETING. 1 s when zero.
	NodegroupDelay time.Duration
	// KubernetesVersions are the versions CreateCluster accepts; the last
	// is the default. 1.33 to 1.37 when empty (the emulated control plane
	// is always the toolchain's kube-apiserver, v1.37).
	KubernetesVersions []string
	// NoKubernetes runs no control plane: clusters turn ACTIVE after
	// ClusterDelay with an endpoint that does not resolve, nodegroups have
	// no nodes, and no agent runs. For tests of the AWS side only.
	NoKubernetes bool
	// AgentBinary is the paddock binary the emulator runs as the Paddock
	// agent pod of each cluster (see the package documentation); empty
	// runs no agent.
	AgentBinary string
	// AgentEnv is added to the agent process's environment (e.g.
	// GOCOVERDIR), after the pod's own variables.
	AgentEnv []string
	// Dir holds the emulator's files: the clusters' directories, agent
	// logs and state. A new temporary directory, removed by Close, when
	// empty.
	Dir string
	// BinDir holds the Kubernetes binaries; localcluster.BinDir when empty.
	BinDir string
	// Logger receives progress lines (state transitions, cluster starts,
	// agent exits); nil discards them. [Start] logs to the test.
	Logger *slog.Logger
}

// Emulator serves the emulated AWS APIs on a loopback HTTP endpoint. Its
// methods are safe for concurrent use.
type Emulator struct {
	opts    Options
	region  string
	log     *slog.Logger
	dir     string
	tempDir bool
	url     string
	host    string // 127.0.0.1:port
	ln      net.Listener
	srv     *http.Server

	ctx    context.Context // ends at Close; bounds background work
	cancel context.CancelFunc
	wg     sync.WaitGroup // background transitions

	mu       sync.Mutex // guards everything below and the resources
	creds    map[string]Credential
	accounts map[string]*account
	faults   map[string]*faultState
	failNG   map[string]bool // nodegroup names that fail to create
	failCl   map[string]bool // cluster names that fail to create
	webhooks map[string]*cluster
	closed   bool

	closeOnce sync.Once
}

// New starts an emulator. Call [Emulator.Close] when done; tests should use
// [Start].
func New(opts Options) (*Emulator, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.ClusterDelay <= 0 {
		opts.ClusterDelay = time.Second
	}
	if opts.NodegroupDelay <= 0 {
		opts.NodegroupDelay = time.Second
	}
	if len(opts.KubernetesVersions) == 0 {
		opts.KubernetesVersions = []string{"1.33", "1.34", "1.35", "1.36", "1.37"}
	}
	if _, ok := regionZones[opts.Region]; !ok {
		return nil, fmt.Errorf("awsemu: region %q is not emulated (known: us-east-1, us-east-2, us-west-2, eu-west-1, eu-central-1)", opts.Region)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Emulator{
		opts: opts, region: opts.Region, log: log,
		creds: map[string]Credential{}, accounts: map[string]*account{}, faults: map[string]*faultState{},
		failNG: map[string]bool{}, failCl: map[string]bool{}, webhooks: map[string]*cluster{},
	}
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "awsemu-")
		if err != nil {
			return nil, err
		}
		e.dir, e.tempDir = dir, true
	} else {
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return nil, err
		}
		e.dir = opts.Dir
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.removeDir()
		return nil, err
	}
	e.ln = ln
	e.host = ln.Addr().String()
	e.url = "http://" + e.host
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go e.srv.Serve(ln)
	return e, nil
}

// Start runs an emulator for the duration of a test: progress goes to
// t.Log, and t.Cleanup closes it (stopping every emulated cluster and agent
// process), logging the tails of their logs first when the test failed. It
// fails the test when the emulator cannot start.
func Start(t testing.TB, opts Options) *Emulator {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(&testHandler{t: t})
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(e.LogTails(30))
		}
		if err := e.Close(); err != nil {
			t.Errorf("awsemu: close: %v", err)
		}
	})
	return e
}

// URL returns the endpoint of every emulated service, http://127.0.0.1:PORT:
// give it to the SDK as BaseEndpoint (see [Emulator.Config]).
func (e *Emulator) URL() string { return e.url }

// Region returns the region the emulator serves.
func (e *Emulator) Region() string { return e.region }

// Dir returns the emulator's directory.
func (e *Emulator) Dir() string { return e.dir }

// Config returns an aws.Config for c: the emulator's region, c as static
// credentials and [Emulator.URL] as BaseEndpoint, so sts, iam, ec2 and eks
// clients made from it (sts.NewFromConfig, ...) talk to the emulator.
func (e *Emulator) Config(c Credential) aws.Config {
	return aws.Config{
		Region:       e.region,
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint: aws.String(e.url),
	}
}

// Close stops the server, every emulated control plane and agent process,
// waits for background work, and removes a temporary directory. It is
// idempotent.
func (e *Emulator) Close() error {
	var errs []error
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true // a cluster whose start completes now stops itself
		e.mu.Unlock()
		e.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			e.srv.Close()
		}
		e.wg.Wait() // transitions end at once on e.ctx
		e.mu.Lock()
		var kubes []*kube
		for _, a := range e.accounts {
			for _, c := range a.clusters {
				if c.kube != nil {
					kubes = append(kubes, c.kube)
				}
			}
		}
		e.mu.Unlock()
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, k := range kubes {
			wg.Go(func() {
				if err := k.stop(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		e.removeDir()
	})
	return errors.Join(errs...)
}

func (e *Emulator) removeDir() {
	if e.tempDir {
		os.RemoveAll(e.dir)
	}
}

// goBackground runs fn on its own goroutine, tracked by Close.
func (e *Emulator) goBackground(fn func()) {
	e.wg.Go(fn)
}

// sleep waits d or until the emulator closes; false when it closed.
func (e *Emulator) sleep(d time.Duration) bool {
	select {
	case <-e.ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// call is one authenticated request being served.
type call struct {
	r         *http.Request
	service   string
	region    string
	action    string
	requestID string
	cred      Credential
	acct      *account
	form      url.Values // Query protocols
	body      []byte     // EKS
	params    map[string]string
}

// ServeHTTP routes a request: the token webhook of the emulated clusters,
// or an AWS API call, dispatched on the service of its SigV4 credential
// scope.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{r: r, region: e.region, service: svcSTS, requestID: newUUID()}
	defer func() {
		// A bug must not take the test binary down: answer like AWS does.
		if p := recover(); p != nil {
			e.log.Error(fmt.Sprintf("awsemu: panic serving %s %s: %v\n%s", r.Method, r.URL, p, debug.Stack()))
			writeError(w, c.service, c.requestID, errorf(500, "InternalFailure", "The emulator failed: %v", p))
		}
	}()
	if key, ok := strings.CutPrefix(r.URL.Path, webhookPath); ok {
		e.serveTokenReview(w, r, key)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	sig, fail := parseSignature(r)
	c.service = guessService(r, body)
	if sig != nil {
		c.service = sig.service
	}
	switch c.service {
	case svcSTS, svcIAM, svcEC2, svcEKS:
	default:
		http.Error(w, fmt.Sprintf("awsemu: service %q is not emulated (only sts, iam, ec2, eks)", c.service), http.StatusNotFound)
		return
	}
	if err != nil {
		writeError(w, c.service, c.requestID, badRequest("InvalidRequest", "reading the request body: %v", err))
		return
	}
	if len(body) > maxBody {
		writeError(w, c.service, c.requestID, errorf(413, "RequestEntityTooLarge", "Request body exceeds %d bytes", maxBody))
		return
	}
	if fail == nil && sig == nil {
		fail = &authFailure{kind: authMissing}
	}
	if fail == nil {
		c.cred, fail = e.verify(r, body, sig)
	}
	if fail != nil {
		writeError(w, c.service, c.requestID, fail.as(c.service))
		return
	}
	c.acct = e.account(c.cred.AccountID)
	if c.service == svcEKS {
		e.serveEKS(w, c, body)
		return
	}
	e.serveQuery(w, c, body)
}

// guessService names the service of an unsigned request, so that its
// rejection has the right shape.
func guessService(r *http.Request, body []byte) string {
	if strings.HasPrefix(r.URL.Path, "/clusters") {
		return svcEKS
	}
	version := r.URL.Query().Get("Version")
	if form, err := url.ParseQuery(string(body)); version == "" && err == nil {
		version = form.Get("Version")
	}
	switch version {
	case "2010-05-08":
		return svcIAM
	case "2016-11-15":
		return svcEC2
	}
	return svcSTS
}

// serveQuery dispatches an STS, IAM or EC2 call: Action and parameters
// from the form body (POST) or the query string (GET).
func (e *Emulator) serveQuery(w http.ResponseWriter, c *call, body []byte) {
	form := c.r.URL.Query()
	if c.r.Method == http.MethodPost {
		bodyForm, err := url.ParseQuery(string(body))
		if err != nil {
			writeError(w, c.service, c.requestID, badRequest("MalformedQueryString", "The request body is not a valid form: %v", err))
			return
		}
		for k, v := range bodyForm {
			form[k] = append(form[k], v...)
		}
	}
	c.form = form
	c.action = form.Get("Action")
	ops := map[string]map[string]queryOp{svcSTS: stsOps, svcIAM: iamOps, svcEC2: ec2Ops}[c.service]
	if c.action == "" {
		writeError(w, c.service, c.requestID, badRequest("MissingAction", "Missing Action"))
		return
	}
	op, ok := ops[c.action]
	if !ok {
		writeError(w, c.service, c.requestID, badRequest("InvalidAction", "The action %s is not valid for this web service.", c.action))
		return
	}
	if err := e.checkFault(c); err != nil {
		writeError(w, c.service, c.requestID, err)
		return
	}
	out, apiErr := op(e, c)
	if apiErr != nil {
		e.log.Debug(fmt.Sprintf("awsemu: %s:%s failed: %v", c.service, c.action, apiErr))
		writeError(w, c.service, c.requestID, apiErr)
		return
	}
	if c.service == svcEC2 {
		writeEC2Result(w, c.action, c.requestID, out)
		return
	}
	if c.service == svcSTS && strings.Contains(c.r.Header.Get("Accept"), "application/json") {
		writeJSONResult(w, c.action, c.requestID, out) // as STS answers aws-iam-authenticator
		return
	}
	writeQueryResult(w, c.service, c.action, c.requestID, out)
}

// queryOp serves one Query-protocol action; a nil output renders no Result
// element.
type queryOp func(e *Emulator, c *call) (any, *apiError)

// testHandler sends log records to a test's log.
type testHandler struct{ t testing.TB }

func (h *testHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *testHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%s", a.Key, a.Value)
		return true
	})
	h.t.Log(b.String())
	return nil
}

func (h *testHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *testHandler) WithGroup(string) slog.Handler      { return h }
