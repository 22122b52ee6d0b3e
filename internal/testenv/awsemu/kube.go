package awsemu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/paddockhq/paddock/internal/localcluster"
)

// The control plane behind an ACTIVE cluster: a localcluster (etcd,
// kube-apiserver, controller-manager, scheduler, kwok) whose apiserver
// authenticates bearer tokens through the emulator's webhook (authn.go),
// with one kwok Node per nodegroup instance.

// kwok manages the nodes carrying this annotation (localcluster starts it
// with --manage-nodes-with-annotation-selector for exactly this pair).
const (
	kwokAnnotationKey   = "kwok.x-k8s.io/node"
	kwokAnnotationValue = "fake"
)

// kubeTimeout bounds a control-plane start and each node change.
const kubeTimeout = 90 * time.Second

type kube struct {
	name   string
	dir    string
	lc     *localcluster.Cluster
	client kubernetes.Interface
	nodeMu sync.Mutex // serializes node changes
	agents *agentRunner

	stopOnce sync.Once
	stopErr  error
}

// startKube starts the control plane of cl and waits until it serves,
// without nodes.
func (e *Emulator) startKube(ctx context.Context, cl *cluster) (*kube, error) {
	began := time.Now()
	dir := filepath.Join(e.dir, "clusters", cl.acct.id+"-"+cl.name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	webhook := filepath.Join(dir, "authn-webhook.kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: awsemu
  cluster:
    server: %s%s%s
users:
- name: kube-apiserver
  user: {}
contexts:
- name: webhook
  context: {cluster: awsemu, user: kube-apiserver}
current-context: webhook
`, e.url, webhookPath, cl.webhookKey)
	if err := os.WriteFile(webhook, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, kubeTimeout)
	defer cancel()
	lc, err := localcluster.Start(ctx, localcluster.Options{
		Name: cl.name, Dir: filepath.Join(dir, "kube"), Full: true, Nodes: 1, BinDir: e.opts.BinDir, Logger: e.log,
		APIServerFlags: []string{
			"--authentication-token-webhook-config-file=" + webhook,
			"--authentication-token-webhook-version=v1",
			// No webhook cache of its own (2 minutes by default): a token
			// is checked again once the apiserver's cache of successful
			// token authentications (10 s, as on EKS) has forgotten it.
			"--authentication-token-webhook-cache-ttl=0s",
		},
	})
	if err != nil {
		return nil, err
	}
	k := &kube{name: cl.name, dir: dir, lc: lc, client: lc.Client()}
	// An EKS cluster has no nodes until a nodegroup has some; localcluster
	// always starts one.
	if err := lc.SetNodes(ctx, 0); err != nil {
		k.stop()
		return nil, err
	}
	e.log.Info(fmt.Sprintf("awsemu: eks: control plane of %s ready at %s in %s", cl.name, lc.URL(), time.Since(began).Round(time.Millisecond)))
	return k, nil
}

// stop stops the agents and the control plane and removes the cluster's
// directory. It is idempotent.
func (k *kube) stop() error {
	k.stopOnce.Do(func() {
		if k.agents != nil {
			k.agents.stop()
		}
		k.stopErr = k.lc.Stop()
		os.RemoveAll(k.dir)
	})
	return k.stopErr
}

// pids returns the running processes of the control plane and the agents.
func (k *kube) pids() []int {
	pids := k.lc.PIDs()
	if k.agents != nil {
		pids = append(pids, k.agents.pids()...)
	}
	return pids
}

// nodeSpec is a Node to create for an instance.
type nodeSpec struct {
	name, providerID string
	labels           map[string]string
	taints           []corev1.Taint
	capacity         corev1.ResourceList
	allocatable      corev1.ResourceList
}

// addNodes creates the nodes and waits until kwok has made them Ready and
// the controller-manager has lifted their not-ready taints.
func (k *kube) addNodes(ctx context.Context, specs []nodeSpec) error {
	k.nodeMu.Lock()
	defer k.nodeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, kubeTimeout)
	defer cancel()
	nodes := k.client.CoreV1().Nodes()
	for _, s := range specs {
		n := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: s.name, Labels: s.labels, Annotations: map[string]string{kwokAnnotationKey: kwokAnnotationValue}},
			Spec:       corev1.NodeSpec{ProviderID: s.providerID, Taints: s.taints},
		}
		if _, err := nodes.Create(ctx, n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating node %s: %w", s.name, err)
		}
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := nodes.Get(ctx, s.name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			cur.Status.Capacity, cur.Status.Allocatable = s.capacity, s.allocatable
			_, err = nodes.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("setting the capacity of node %s: %w", s.name, err)
		}
	}
	for _, s := range specs {
		if err := k.waitReady(ctx, s.name); err != nil {
			return err
		}
	}
	return nil
}

func (k *kube) waitReady(ctx context.Context, name string) error {
	var last error
	for {
		n, err := k.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			last = nodeSchedulable(n)
			if last == nil {
				return nil
			}
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for node %s: %w (last: %v)", name, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// nodeSchedulable returns why n cannot take pods yet: not Ready, or still
// under a node.kubernetes.io/ taint (the nodegroup's own taints stay).
func nodeSchedulable(n *corev1.Node) error {
	ready := false
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			ready = true
		}
	}
	if !ready {
		return fmt.Errorf("node %s is not Ready", n.Name)
	}
	for _, t := range n.Spec.Taints {
		if strings.HasPrefix(t.Key, "node.kubernetes.io/") {
			return fmt.Errorf("node %s still has taint %s", n.Name, t.ToString())
		}
	}
	return nil
}

// removeNodes deletes nodes and, at once, their pods (no kubelet is left
// to confirm a graceful deletion); the pods' controllers recreate them
// elsewhere.
func (k *kube) removeNodes(ctx context.Context, names []string) error {
	k.nodeMu.Lock()
	defer k.nodeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, kubeTimeout)
	defer cancel()
	var errs []error
	for _, name := range names {
		err := k.client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting node %s: %w", name, err))
			continue
		}
		pods, err := k.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + name})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		now := metav1.DeleteOptions{GracePeriodSeconds: new(int64)}
		for _, p := range pods.Items {
			if err := k.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, now); err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// relabelNodes sets the labels and taints a nodegroup update gives its
// nodes: keys in drop are removed, labels set, and the nodegroup's taints
// replace the previous ones (system taints stay).
func (k *kube) relabelNodes(ctx context.Context, specs []nodeSpec, drop []string, oldTaints []corev1.Taint) error {
	k.nodeMu.Lock()
	defer k.nodeMu.Unlock()
	nodes := k.client.CoreV1().Nodes()
	for _, s := range specs {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			n, err := nodes.Get(ctx, s.name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, key := range drop {
				delete(n.Labels, key)
			}
			for key, v := range s.labels {
				n.Labels[key] = v
			}
			var taints []corev1.Taint
			for _, t := range n.Spec.Taints {
				if !containsTaint(oldTaints, t) && !containsTaint(s.taints, t) {
					taints = append(taints, t)
				}
			}
			n.Spec.Taints = append(taints, s.taints...)
			_, err = nodes.Update(ctx, n, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("updating node %s: %w", s.name, err)
		}
	}
	return nil
}

func containsTaint(ts []corev1.Taint, t corev1.Taint) bool {
	for _, o := range ts {
		if o.Key == t.Key && o.Effect == t.Effect {
			return true
		}
	}
	return false
}

// nodeSpecFor describes instance n of ng as a Node.
func (e *Emulator) nodeSpecFor(ng *nodegroup, n *node) nodeSpec {
	typ := ng.instanceTypes[0]
	it := instanceTypes[typ]
	labels := map[string]string{
		"eks.amazonaws.com/nodegroup":              ng.name,
		"eks.amazonaws.com/nodegroup-image":        ng.amiID,
		"eks.amazonaws.com/capacityType":           ng.capacityType,
		"node.kubernetes.io/instance-type":         typ,
		"beta.kubernetes.io/instance-type":         typ,
		"topology.kubernetes.io/region":            e.region,
		"topology.kubernetes.io/zone":              n.az,
		"failure-domain.beta.kubernetes.io/region": e.region,
		"failure-domain.beta.kubernetes.io/zone":   n.az,
		"topology.k8s.aws/zone-id":                 n.azID,
		"kubernetes.io/hostname":                   n.name,
		"kubernetes.io/os":                         "linux",
		"kubernetes.io/arch":                       it.arch,
		"beta.kubernetes.io/os":                    "linux",
		"beta.kubernetes.io/arch":                  it.arch,
	}
	for k, v := range ng.labels {
		labels[k] = v
	}
	var taints []corev1.Taint
	for _, t := range ng.taints {
		taints = append(taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(k8sEffect(t.Effect))})
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(it.vcpus), resource.DecimalSI),
		corev1.ResourceMemory:           resource.MustParse(strconv.Itoa(it.memMiB-200) + "Mi"),
		corev1.ResourcePods:             *resource.NewQuantity(int64(it.maxPods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse(strconv.Itoa(ng.diskSize) + "Gi"),
	}
	allocatable := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewMilliQuantity(int64(it.vcpus*1000-70), resource.DecimalSI),
		corev1.ResourceMemory:           resource.MustParse(strconv.Itoa(it.memMiB*85/100) + "Mi"),
		corev1.ResourcePods:             *resource.NewQuantity(int64(it.maxPods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse(strconv.Itoa(ng.diskSize*9/10) + "Gi"),
	}
	return nodeSpec{
		name: n.name, providerID: fmt.Sprintf("aws:///%s/%s", n.az, n.instanceID),
		labels: labels, taints: taints, capacity: capacity, allocatable: allocatable,
	}
}
