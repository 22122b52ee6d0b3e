package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestNormalizeServer(t *testing.T) {
	for in, want := range map[string][2]string{
		"https://paddock.example:8443/": {"https://paddock.example:8443", "paddock.example_8443"},
		"https://paddock.example":       {"https://paddock.example", "paddock.example_443"},
		"https://[::1]:9443":            {"https://[::1]:9443", "__1_9443"},
	} {
		got, key, err := NormalizeServer(in)
		if err != nil || got != want[0] || key != want[1] {
			t.Errorf("NormalizeServer(%q) = %q, %q, %v; want %q, %q", in, got, key, err, want[0], want[1])
		}
	}
	for _, bad := range []string{"http://x", "x:8443", "https://u:p@x", "https://x?a=b", ""} {
		if _, _, err := NormalizeServer(bad); err == nil {
			t.Errorf("NormalizeServer(%q) accepted", bad)
		}
	}
}

func TestFetchCAPinning(t *testing.T) {
	f := newFakeServer(t)
	ctx := t.Context()
	if pem, sum, err := FetchCA(ctx, f.URL, Pin{Checksum: strings.ToUpper(f.sum)}); err != nil || sum != f.sum || !bytes.Equal(pem, f.caPEM) {
		t.Fatalf("right checksum: %v", err)
	}
	if _, _, err := FetchCA(ctx, f.URL, Pin{Checksum: strings.Repeat("0", 64)}); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("wrong checksum: %v", err)
	}
	if _, sum, err := FetchCA(ctx, f.URL, Pin{}); !errors.Is(err, ErrUnpinned) || sum != f.sum {
		t.Fatalf("no checksum: %v %s", err, sum)
	}
	if _, _, err := FetchCA(ctx, f.URL, Pin{TrustOnFirstUse: true}); err != nil {
		t.Fatalf("trust on first use: %v", err)
	}
	if _, _, err := FetchCA(ctx, f.URL, Pin{Known: f.caPEM}); err != nil {
		t.Fatalf("known CA: %v", err)
	}
	if _, _, err := FetchCA(ctx, f.URL, Pin{Known: []byte("other"), TrustOnFirstUse: true}); err == nil {
		t.Fatal("a changed CA was accepted without a checksum")
	}
}

// login runs Login as bob against f with a password on "stdin".
func login(t *testing.T, f *fakeServer, dir, kubeconfig string, pin Pin) (string, error) {
	var out bytes.Buffer
	err := Login(t.Context(), LoginOptions{Server: f.URL + "/", Username: "bob", Pin: pin, ConfigDir: dir, Kubeconfig: kubeconfig,
		PasswordFrom: strings.NewReader("bob-password\n"), Executable: "/opt/paddock", Out: &out})
	return out.String(), err
}

func TestLoginWritesSessionAndKubeconfig(t *testing.T) {
	f := newFakeServer(t)
	dir, kc := filepath.Join(t.TempDir(), "cfg"), filepath.Join(t.TempDir(), "kube", "config")
	// An existing kubeconfig keeps its entries and current context.
	other := clientcmdapi.NewConfig()
	other.Clusters["mine"] = &clientcmdapi.Cluster{Server: "https://mine"}
	other.AuthInfos["me"] = &clientcmdapi.AuthInfo{Token: "keep-me"}
	other.Contexts["mine"] = &clientcmdapi.Context{Cluster: "mine", AuthInfo: "me"}
	other.CurrentContext = "mine"
	os.MkdirAll(filepath.Dir(kc), 0o700)
	if err := clientcmd.WriteToFile(*other, kc); err != nil {
		t.Fatal(err)
	}
	if _, err := login(t, f, dir, kc, Pin{}); err == nil || !strings.Contains(err.Error(), f.sum) {
		t.Fatalf("login without a checksum: %v", err)
	}
	out, err := login(t, f, dir, kc, Pin{Checksum: f.sum})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out)
	_, key, _ := NormalizeServer(f.URL)
	sess, err := Dir(dir).LoadSession(key)
	if err != nil || sess.Username != "bob" || sess.Provider != "local" || !strings.HasPrefix(sess.Token, "pds_") {
		t.Fatalf("session %+v %v", sess, err)
	}
	for path, mode := range map[string]os.FileMode{dir + "/sessions": 0o700, Dir(dir).SessionFile(key): 0o600, Dir(dir).CA(key): 0o600, kc: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v %v, want mode %o", path, fi.Mode(), err, mode)
		}
	}
	data, _ := os.ReadFile(kc)
	if strings.Contains(string(data), sess.Token) || strings.Contains(string(data), "pds_") {
		t.Fatalf("the kubeconfig holds the session token:\n%s", data)
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CurrentContext != "mine" || cfg.AuthInfos["me"].Token != "keep-me" || cfg.Clusters["mine"] == nil {
		t.Fatalf("other entries changed: %+v", cfg)
	}
	user := "paddock-" + key
	ex := cfg.AuthInfos[user].Exec
	wantArgs := []string{"credential", "--server", f.URL, "--config-dir", dir}
	if ex == nil || ex.Command != "/opt/paddock" || strings.Join(ex.Args, " ") != strings.Join(wantArgs, " ") ||
		ex.APIVersion != ExecAPIVersion || ex.InteractiveMode != clientcmdapi.IfAvailableExecInteractiveMode || ex.ProvideClusterInfo {
		t.Fatalf("exec config %+v", ex)
	}
	for _, c := range f.clusters {
		cl, ctx := cfg.Clusters["paddock-"+c.Name], cfg.Contexts["paddock-"+c.Name]
		if cl == nil || cl.Server != f.URL+"/k8s/clusters/"+c.ID || !bytes.Equal(cl.CertificateAuthorityData, f.caPEM) ||
			ctx == nil || ctx.AuthInfo != user || ctx.Cluster != "paddock-"+c.Name {
			t.Fatalf("cluster %s: %+v %+v", c.Name, cl, ctx)
		}
	}

	// Again, with beta gone and no checksum (the CA is pinned now): beta's
	// context goes, the rest stays.
	f.clusters = f.clusters[:1]
	if out, err = login(t, f, dir, kc, Pin{}); err != nil || !strings.Contains(out, "Removed context(s) no longer reachable: paddock-beta") {
		t.Fatalf("second login: %v\n%s", err, out)
	}
	cfg, _ = clientcmd.LoadFromFile(kc)
	if cfg.Contexts["paddock-beta"] != nil || cfg.Clusters["paddock-beta"] != nil || cfg.Contexts["paddock-alpha"] == nil || cfg.Contexts["mine"] == nil {
		t.Fatalf("after the second login: %+v", cfg.Contexts)
	}
	// A CA that changed is refused without a new checksum.
	os.WriteFile(Dir(dir).CA(key), []byte("old"), 0o600)
	if _, err := login(t, f, dir, kc, Pin{TrustOnFirstUse: true}); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("changed CA: %v", err)
	}
}

func TestLoginSetsCurrentContextOnlyWhenNone(t *testing.T) {
	f := newFakeServer(t)
	kc := filepath.Join(t.TempDir(), "config")
	out, err := login(t, f, t.TempDir(), kc, Pin{TrustOnFirstUse: true})
	if err != nil || !strings.Contains(out, "Trusting the server's CA on first use") {
		t.Fatalf("%v\n%s", err, out)
	}
	if cfg, _ := clientcmd.LoadFromFile(kc); cfg.CurrentContext != "paddock-alpha" {
		t.Fatalf("current context %q", cfg.CurrentContext)
	}
}

func TestLoginProviders(t *testing.T) {
	f := newFakeServer(t)
	base := LoginOptions{Server: f.URL, Username: "bob", Pin: Pin{Checksum: f.sum}, ConfigDir: t.TempDir(),
		Kubeconfig: filepath.Join(t.TempDir(), "config"), Out: &bytes.Buffer{}}
	o := base
	// A redirect provider waits for the browser (the flow itself is tested
	// end to end with a real OpenID Provider in test/e2e).
	o.Provider = "corp"
	defer func(d time.Duration) { BrowserTimeout = d }(BrowserTimeout)
	BrowserTimeout = 300 * time.Millisecond
	if err := Login(t.Context(), o); err == nil || !strings.Contains(err.Error(), "no sign-in came back from the browser") {
		t.Fatalf("redirect provider: %v", err)
	}
	o.Provider = "nope"
	if err := Login(t.Context(), o); err == nil || !strings.Contains(err.Error(), "offers: local, corp") {
		t.Fatalf("unknown provider: %v", err)
	}
	// No --password-stdin and no terminal.
	if err := Login(t.Context(), base); err == nil || !strings.Contains(err.Error(), "--password-stdin") {
		t.Fatalf("no password: %v", err)
	}
	// Asked on the terminal.
	p := &fakePrompt{answers: []string{"bob", "bob-password"}}
	o = base
	o.Username, o.Prompt = "", p
	if err := Login(t.Context(), o); err != nil || len(p.asked) != 2 || p.asked[1] != "Password for bob: " {
		t.Fatalf("prompted login: %v %q", err, p.asked)
	}
	// A wrong password says so.
	o.Prompt = &fakePrompt{answers: []string{"bob", "wrong"}}
	if err := Login(t.Context(), o); err == nil || !strings.Contains(err.Error(), "invalid username or password") {
		t.Fatalf("wrong password: %v", err)
	}
}
