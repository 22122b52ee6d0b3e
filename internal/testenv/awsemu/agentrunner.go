package awsemu

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The emulator plays kubelet for the Paddock agent pod: nothing runs the
// containers of kwok pods, so for each Running pod of the agent (label
// app.kubernetes.io/name=paddock-agent) it runs [Options].AgentBinary as
// the container would run, with a kubeconfig for the pod's service account
// instead of the in-cluster configuration.

// AgentPodLabel selects the pods the emulator runs as Paddock agents, as
// the import manifest labels them.
const AgentPodLabel = "app.kubernetes.io/name=paddock-agent"

const (
	agentPoll       = 500 * time.Millisecond
	agentStopGrace  = 2 * time.Second
	agentTokenTTL   = time.Hour
	agentMaxBackoff = 10 * time.Second
)

// AgentProcess describes an agent the emulator runs for a pod.
type AgentProcess struct {
	Cluster  string // EKS cluster name
	Pod      string // namespace/name
	PID      int    // 0 while restarting
	Restarts int    // exits so far (the container's restartCount)
	LogPath  string // its stdout and stderr
}

type agentRunner struct {
	e      *Emulator
	k      *kube
	name   string // cluster name
	caPEM  []byte
	dir    string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	procs map[types.UID]*agentProc
}

type agentProc struct {
	pod      *corev1.Pod
	logPath  string
	cancel   context.CancelFunc
	mu       sync.Mutex
	pid      int
	restarts int
}

func (e *Emulator) newAgentRunner(cl *cluster, k *kube) *agentRunner {
	ctx, cancel := context.WithCancel(e.ctx)
	return &agentRunner{
		e: e, k: k, name: cl.name, caPEM: k.lc.CAData(), dir: filepath.Join(e.dir, "agents", cl.acct.id+"-"+cl.name),
		ctx: ctx, cancel: cancel, procs: map[types.UID]*agentProc{},
	}
}

// run watches the cluster's agent pods until the runner stops.
func (r *agentRunner) run() {
	for {
		r.sync()
		select {
		case <-r.ctx.Done():
			return
		case <-time.After(agentPoll):
		}
	}
}

// sync starts a process for each Running agent pod and stops those whose
// pod is gone or terminating.
func (r *agentRunner) sync() {
	pods, err := r.k.client.CoreV1().Pods("").List(r.ctx, metav1.ListOptions{LabelSelector: AgentPodLabel})
	if err != nil {
		return // the next poll retries; a stopping cluster ends the loop
	}
	running := map[types.UID]*corev1.Pod{}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil && p.Spec.NodeName != "" {
			running[p.UID] = p
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		return
	}
	for uid, proc := range r.procs {
		if running[uid] == nil {
			proc.cancel()
			delete(r.procs, uid)
		}
	}
	for uid, p := range running {
		if r.procs[uid] != nil {
			continue
		}
		ctx, cancel := context.WithCancel(r.ctx)
		proc := &agentProc{pod: p, cancel: cancel, logPath: filepath.Join(r.dir, p.Namespace, p.Name+".log")}
		r.procs[uid] = proc
		r.wg.Go(func() { r.supervise(ctx, proc) })
	}
}

// stop ends every agent process and waits for them.
func (r *agentRunner) stop() {
	r.mu.Lock()
	r.cancel()
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *agentRunner) list() []AgentProcess {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []AgentProcess
	for _, p := range r.procs {
		p.mu.Lock()
		out = append(out, AgentProcess{Cluster: r.name, Pod: p.pod.Namespace + "/" + p.pod.Name, PID: p.pid, Restarts: p.restarts, LogPath: p.logPath})
		p.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b AgentProcess) int { return strings.Compare(a.Pod, b.Pod) })
	return out
}

func (r *agentRunner) pids() []int {
	var pids []int
	for _, p := range r.list() {
		if p.PID != 0 {
			pids = append(pids, p.PID)
		}
	}
	return pids
}

// supervise runs the pod's agent, restarting it with a capped backoff
// after each exit (restartPolicy Always), until ctx ends.
func (r *agentRunner) supervise(ctx context.Context, proc *agentProc) {
	pod := proc.pod
	log := r.e.log
	backoff := agentPoll
	for ctx.Err() == nil {
		err := r.runOnce(ctx, proc)
		if ctx.Err() != nil {
			return
		}
		proc.mu.Lock()
		proc.restarts++
		proc.mu.Unlock()
		log.Info(fmt.Sprintf("awsemu: eks: cluster %s: agent of pod %s/%s exited (%v); restarting in %s (log %s)",
			r.name, pod.Namespace, pod.Name, err, backoff, proc.logPath))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, agentMaxBackoff)
	}
}

// runOnce prepares the pod's files, runs the agent until it exits or ctx
// ends (then SIGTERM, SIGKILL after a grace), refreshing its token.
func (r *agentRunner) runOnce(ctx context.Context, proc *agentProc) error {
	pod := proc.pod
	podDir := filepath.Join(r.dir, pod.Namespace, pod.Name)
	if err := os.MkdirAll(podDir, 0o700); err != nil {
		return err
	}
	c := agentContainer(pod)
	env, err := r.containerEnv(ctx, pod, c)
	if err != nil {
		return fmt.Errorf("resolving the environment: %w", err)
	}
	tokenFile := filepath.Join(podDir, "token")
	if err := r.writeToken(ctx, pod, tokenFile); err != nil {
		return fmt.Errorf("minting the service account token: %w", err)
	}
	kubeconfig := filepath.Join(podDir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, r.kubeconfig(pod, tokenFile), 0o600); err != nil {
		return err
	}
	args := expandVars(append(slices.Clone(c.Command[min(1, len(c.Command)):]), c.Args...), env)
	// The credential outlives the pod, as in the agent's Secret.
	args = append(args, "--kubeconfig", kubeconfig, "--state-file", filepath.Join(r.dir, pod.Namespace, "agent-credential"))

	logFile, err := os.OpenFile(proc.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "### awsemu: %s %s\n", r.e.opts.AgentBinary, strings.Join(args, " "))
	cmd := exec.Command(r.e.opts.AgentBinary, args...)
	cmd.Dir = podDir
	cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + podDir}, envList(env)...), r.e.opts.AgentEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := spawn(cmd); err != nil {
		return err
	}
	proc.mu.Lock()
	proc.pid = cmd.Process.Pid
	proc.mu.Unlock()
	r.e.log.Info(fmt.Sprintf("awsemu: eks: cluster %s: running the agent of pod %s/%s (pid %d)", r.name, pod.Namespace, pod.Name, cmd.Process.Pid))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		proc.mu.Lock()
		proc.pid = 0
		proc.mu.Unlock()
	}()
	refresh := time.NewTicker(agentTokenTTL * 4 / 5)
	defer refresh.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-refresh.C:
			if err := r.writeToken(ctx, pod, tokenFile); err != nil {
				r.e.log.Warn(fmt.Sprintf("awsemu: eks: cluster %s: refreshing the token of pod %s/%s: %v", r.name, pod.Namespace, pod.Name, err))
			}
		case <-ctx.Done():
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case err := <-done:
				return err
			case <-time.After(agentStopGrace):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				return <-done
			}
		}
	}
}

func agentContainer(pod *corev1.Pod) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == "agent" {
			return &pod.Spec.Containers[i]
		}
	}
	return &pod.Spec.Containers[0]
}

// writeToken mints a token of the pod's service account, bound to the
// pod, as the kubelet projects it, and writes it where the kubeconfig's
// tokenFile points (client-go rereads it).
func (r *agentRunner) writeToken(ctx context.Context, pod *corev1.Pod, path string) error {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	ttl := int64(agentTokenTTL / time.Second)
	tr, err := r.k.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{
		ExpirationSeconds: &ttl,
		BoundObjectRef:    &authnv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(tr.Status.Token), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (r *agentRunner) kubeconfig(pod *corev1.Pod, tokenFile string) []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[4]s
  user:
    tokenFile: %[5]s
contexts:
- name: pod
  context: {cluster: %[1]s, user: %[4]s, namespace: %[6]s}
current-context: pod
`, r.name, r.k.lc.URL(), base64.StdEncoding.EncodeToString(r.caPEM), "system:serviceaccount:"+pod.Namespace+":"+pod.Spec.ServiceAccountName, tokenFile, pod.Namespace)
}

// envVar is one resolved variable, in the container's order.
type envVar struct{ name, value string }

// containerEnv resolves the container's envFrom and env as the kubelet
// does: secrets and config maps read from the cluster, field references
// from the pod, later entries winning, $(VAR) expanded in values.
func (r *agentRunner) containerEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container) ([]envVar, error) {
	var env []envVar
	set := func(name, value string) {
		env = slices.DeleteFunc(env, func(v envVar) bool { return v.name == name })
		env = append(env, envVar{name, value})
	}
	core := r.k.client.CoreV1()
	for _, from := range c.EnvFrom {
		data := map[string]string{}
		switch {
		case from.SecretRef != nil:
			s, err := core.Secrets(pod.Namespace).Get(ctx, from.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				if optional(from.SecretRef.Optional) {
					continue
				}
				return nil, err
			}
			for k, v := range s.Data {
				data[k] = string(v)
			}
		case from.ConfigMapRef != nil:
			cm, err := core.ConfigMaps(pod.Namespace).Get(ctx, from.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				if optional(from.ConfigMapRef.Optional) {
					continue
				}
				return nil, err
			}
			data = cm.Data
		}
		for _, k := range sortedKeys(data) {
			set(from.Prefix+k, data[k])
		}
	}
	for _, v := range c.Env {
		value := expandVars([]string{v.Value}, env)[0]
		if src := v.ValueFrom; src != nil {
			var err error
			if value, err = r.envSource(ctx, pod, src); err != nil {
				return nil, fmt.Errorf("%s: %w", v.Name, err)
			}
		}
		set(v.Name, value)
	}
	return env, nil
}

func optional(b *bool) bool { return b != nil && *b }

func (r *agentRunner) envSource(ctx context.Context, pod *corev1.Pod, src *corev1.EnvVarSource) (string, error) {
	core := r.k.client.CoreV1()
	switch {
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		s, err := core.Secrets(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil || s.Data[ref.Key] == nil {
			if optional(ref.Optional) {
				return "", nil
			}
			return "", fmt.Errorf("secret %s key %s: %v", ref.Name, ref.Key, err)
		}
		return string(s.Data[ref.Key]), nil
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm, err := core.ConfigMaps(pod.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if optional(ref.Optional) {
				return "", nil
			}
			return "", fmt.Errorf("config map %s: %v", ref.Name, err)
		}
		return cm.Data[ref.Key], nil
	case src.FieldRef != nil:
		return podField(pod, src.FieldRef.FieldPath)
	}
	return "", nil // resourceFieldRef: no limits to report
}

var labelFieldRE = regexp.MustCompile(`^metadata\.(labels|annotations)\['(.+)'\]$`)

func podField(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		return pod.Status.PodIP, nil
	case "status.hostIP":
		return pod.Status.HostIP, nil
	}
	if m := labelFieldRE.FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			return pod.Labels[m[2]], nil
		}
		return pod.Annotations[m[2]], nil
	}
	return "", fmt.Errorf("unsupported fieldRef %q", path)
}

var varRefRE = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`)

// expandVars replaces $(NAME) with the variable's value, as the kubelet
// does in command, args and env values; unknown references stay.
func expandVars(ss []string, env []envVar) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = varRefRE.ReplaceAllStringFunc(s, func(ref string) string {
			name := ref[2 : len(ref)-1]
			for _, v := range env {
				if v.name == name {
					return v.value
				}
			}
			return ref
		})
	}
	return out
}

func envList(env []envVar) []string {
	out := make([]string, len(env))
	for i, v := range env {
		out[i] = v.name + "=" + v.value
	}
	return out
}

// spawn starts cmd from one goroutine locked to its OS thread: Pdeathsig
// fires when the thread that forked the child exits, and the Go runtime
// retires threads (golang.org/issue/27505), which would kill agents
// mid-test. (package localcluster does the same for its components.)
func spawn(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnRequest)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives on
			for req := range spawner.reqs {
				req.errc <- req.cmd.Start()
			}
		}()
	})
	errc := make(chan error, 1)
	spawner.reqs <- spawnRequest{cmd, errc}
	return <-errc
}

var spawner struct {
	once sync.Once
	reqs chan spawnRequest
}

type spawnRequest struct {
	cmd  *exec.Cmd
	errc chan error
}

// tailFile returns up to the last n lines of a file (its last 64 KiB).
func tailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)\n", err)
	}
	if len(data) > 64<<10 {
		data = data[len(data)-64<<10:]
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
