package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/model"
)

// NamespacePolicy makes namespace requests follow Paddock's projects: a
// user bound only in projects lists and watches exactly their projects'
// namespaces (instead of a 403), creates namespaces in a project by
// labelling them, and nobody moves a namespace into or out of a project
// without rights on both sides.
type NamespacePolicy interface {
	// Scope says whether the principal holds a role on the whole cluster;
	// if not, projects are the project IDs they are bound in.
	Scope(p *auth.Principal, clusterID string) (clusterWide bool, projects []string)
	// MayPlace says whether the principal may put a namespace into, or
	// take one out of, projectID ("" — outside any project — needs a
	// right on the whole cluster).
	MayPlace(p *auth.Principal, clusterID, projectID string) bool
	// IsProject says whether projectID is a project of the cluster.
	IsProject(clusterID, projectID string) bool
	// ProjectOf reads a namespace's project as Paddock (exists false when
	// there is no such namespace).
	ProjectOf(ctx context.Context, clusterID, name string) (projectID string, exists bool, err error)
	// Admit checks the project's quota for one more namespace; the error
	// text is shown to the user.
	Admit(ctx context.Context, clusterID, projectID string) error
	// Create creates ns in its project as Paddock (after Admit).
	Create(ctx context.Context, clusterID string, ns *corev1.Namespace, opts metav1.CreateOptions) (*corev1.Namespace, error)
}

var namespaceItem = regexp.MustCompile(`^/api/v1/namespaces/([^/]+)(/status|/finalize)?$`)

// nsOutcome is what the namespace policy decided about a request.
type nsOutcome struct {
	done      bool // a response was written
	asPaddock bool // forward without impersonation (the policy vouched)
	body      []byte
}

// namespaces applies the NamespacePolicy to r; it may rewrite r's query.
func (p *Proxy) namespaces(w http.ResponseWriter, r *http.Request, pr *auth.Principal, id, rest string) nsOutcome {
	pol := p.opts.Namespaces
	if pol == nil {
		return nsOutcome{}
	}
	// Match on the path the apiserver will route: unescaped and cleaned. A
	// namespace path that is not already in that form is refused rather
	// than guessed at.
	unescaped, err := url.PathUnescape(rest)
	if err != nil {
		unescaped = rest
	}
	if clean := path.Clean(unescaped); strings.Contains(unescaped, "namespaces") && (clean != unescaped || unescaped != rest) &&
		(clean == "/api/v1/namespaces" || namespaceItem.MatchString(clean)) {
		writeStatus(w, r, http.StatusBadRequest, metav1.StatusReasonBadRequest, "", "paddock: use the canonical path "+clean)
		return nsOutcome{done: true}
	}
	switch {
	case rest == "/api/v1/namespaces" && r.Method == http.MethodGet:
		wide, projects := pol.Scope(pr, id)
		if wide {
			return nsOutcome{}
		}
		if err := restrictSelector(r, projects); err != nil {
			writeStatus(w, r, http.StatusBadRequest, metav1.StatusReasonBadRequest, "", "paddock: "+err.Error())
			return nsOutcome{done: true}
		}
		return nsOutcome{asPaddock: true}
	case rest == "/api/v1/namespaces" && r.Method == http.MethodPost:
		return p.createNamespace(w, r, pr, id)
	case (r.Method == http.MethodPut || r.Method == http.MethodPatch) && namespaceItem.MatchString(rest):
		name := namespaceItem.FindStringSubmatch(rest)[1]
		return p.updateNamespace(w, r, pr, id, name)
	}
	return nsOutcome{}
}

// restrictSelector ANDs "paddock.io/project in (projects)" to the request's
// label selector, parsed and re-rendered so no user text can escape it.
func restrictSelector(r *http.Request, projects []string) error {
	q := r.URL.Query()
	sel, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		return fmt.Errorf("invalid labelSelector: %v", err)
	}
	if len(projects) == 0 {
		projects = []string{"-none-"}
	}
	req, err := labels.NewRequirement(model.ProjectLabel, selection.In, projects)
	if err != nil {
		return err
	}
	q.Set("labelSelector", sel.Add(*req).String())
	r.URL.RawQuery = q.Encode()
	return nil
}

func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, bool) {
	if r.Body == nil {
		return nil, true
	}
	if max <= 0 {
		max = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		writeStatus(w, r, http.StatusBadRequest, metav1.StatusReasonBadRequest, "", "paddock: reading the request body: "+err.Error())
		return nil, false
	}
	if int64(len(body)) > max {
		writeTooLarge(w, r, "", max)
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, true
}

func mediaType(r *http.Request) string {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt
}

func forbidden(w http.ResponseWriter, r *http.Request, format string, args ...any) nsOutcome {
	writeStatus(w, r, http.StatusForbidden, metav1.StatusReasonForbidden, "", "paddock: "+fmt.Sprintf(format, args...))
	return nsOutcome{done: true}
}

func (p *Proxy) createNamespace(w http.ResponseWriter, r *http.Request, pr *auth.Principal, id string) nsOutcome {
	pol := p.opts.Namespaces
	body, ok := readBody(w, r, p.opts.MaxBodyBytes)
	if !ok {
		return nsOutcome{done: true}
	}
	ns, err := decodeNamespace(body)
	if err != nil {
		writeStatus(w, r, http.StatusBadRequest, metav1.StatusReasonBadRequest, "", "paddock: not a namespace: "+err.Error())
		return nsOutcome{done: true}
	}
	project := ns.Labels[model.ProjectLabel]
	if project == "" {
		return nsOutcome{} // Kubernetes decides
	}
	if !pol.IsProject(id, project) {
		writeStatus(w, r, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, "",
			fmt.Sprintf("paddock: label %s=%s names no project of this cluster", model.ProjectLabel, project))
		return nsOutcome{done: true}
	}
	if !pol.MayPlace(pr, id, project) {
		return forbidden(w, r, "you may not create namespaces in project %s", project)
	}
	if err := pol.Admit(r.Context(), id, project); err != nil {
		return forbidden(w, r, "%v", err)
	}
	if wide, _ := pol.Scope(pr, id); wide {
		return nsOutcome{body: body} // as the user: Kubernetes decides the rest
	}
	// Only the name and the project label are taken from the user's object:
	// Paddock's credential creates it, so nothing else the user sends is
	// vouched for — another label could lift Pod Security
	// (pod-security.kubernetes.io/enforce) or pass another tenant's
	// NetworkPolicy namespaceSelector.
	clean := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns.Name, GenerateName: ns.GenerateName,
		Labels: map[string]string{model.ProjectLabel: project}}}
	q := r.URL.Query()
	created, err := pol.Create(r.Context(), id, clean, metav1.CreateOptions{DryRun: q["dryRun"], FieldManager: q.Get("fieldManager")})
	if err != nil {
		writeKubeError(w, r, err)
		return nsOutcome{done: true}
	}
	created.APIVersion, created.Kind = "v1", "Namespace"
	out, _ := json.Marshal(created)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(out)
	return nsOutcome{done: true}
}

// updateNamespace checks a write to a namespace that may change its
// project: rights are needed on the project it leaves and the one it
// enters (CVE-2020-10676); a change Paddock cannot read exactly (a JSON
// patch or a merge directive over the labels) needs a right on the whole
// cluster.
func (p *Proxy) updateNamespace(w http.ResponseWriter, r *http.Request, pr *auth.Principal, id, name string) nsOutcome {
	body, ok := readBody(w, r, p.opts.MaxBodyBytes)
	if !ok {
		return nsOutcome{done: true}
	}
	mt := mediaType(r)
	if r.Method == http.MethodPut && mt == runtime.ContentTypeProtobuf {
		// Re-express a protobuf object as JSON for the label check.
		ns, err := decodeNamespace(body)
		if err != nil {
			writeStatus(w, r, http.StatusBadRequest, metav1.StatusReasonBadRequest, "", "paddock: not a namespace: "+err.Error())
			return nsOutcome{done: true}
		}
		js, _ := json.Marshal(ns)
		target, known, touched := labelChange(r.Method, "application/json", js)
		return p.checkMove(w, r, pr, id, name, body, target, known, touched)
	}
	target, known, touched := labelChange(r.Method, mt, body)
	return p.checkMove(w, r, pr, id, name, body, target, known, touched)
}

func (p *Proxy) checkMove(w http.ResponseWriter, r *http.Request, pr *auth.Principal, id, name string, body []byte,
	target string, known, touched bool) nsOutcome {
	pol := p.opts.Namespaces
	if !touched {
		return nsOutcome{body: body}
	}
	cur, _, err := pol.ProjectOf(r.Context(), id, name)
	if err != nil {
		writeKubeError(w, r, err)
		return nsOutcome{done: true}
	}
	if !pol.IsProject(id, cur) {
		cur = ""
	}
	if !known {
		if !pol.MayPlace(pr, id, "") {
			return forbidden(w, r, "this change may move namespace %s between projects; use PUT /v1/projects/{id}/namespaces/%s", name, name)
		}
		return nsOutcome{body: body}
	}
	if target == cur {
		return nsOutcome{body: body}
	}
	if !pol.MayPlace(pr, id, cur) {
		return forbidden(w, r, "you may not take namespace %s out of %s", name, describeProject(cur))
	}
	if target == "" && !pol.MayPlace(pr, id, "") {
		return forbidden(w, r, "only those with rights on the whole cluster may take namespace %s out of every project", name)
	}
	if target != "" {
		if model.IsSystemNamespace(name) {
			return forbidden(w, r, "namespace %s belongs to the cluster itself and cannot join a project", name)
		}
		if !pol.IsProject(id, target) {
			writeStatus(w, r, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, "",
				fmt.Sprintf("paddock: label %s=%s names no project of this cluster", model.ProjectLabel, target))
			return nsOutcome{done: true}
		}
		if !pol.MayPlace(pr, id, target) {
			return forbidden(w, r, "you may not move namespaces into project %s", target)
		}
		if err := pol.Admit(r.Context(), id, target); err != nil {
			return forbidden(w, r, "%v", err)
		}
	}
	return nsOutcome{body: body}
}

// decodeNamespace reads a Namespace in any encoding the apiserver takes
// (JSON, YAML, protobuf).
func decodeNamespace(body []byte) (*corev1.Namespace, error) {
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
	if err != nil {
		return nil, err
	}
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return nil, fmt.Errorf("got %T", obj)
	}
	return ns, nil
}

func describeProject(id string) string {
	if id == "" {
		return "the cluster's unassigned namespaces"
	}
	return "project " + id
}

// labelChange reads what a write does to the project label: target is the
// new value ("" removed), known false when it cannot be read exactly, and
// touched false when the write certainly leaves it alone.
func labelChange(method, mt string, body []byte) (target string, known, touched bool) {
	if mt == "application/json-patch+json" {
		return jsonPatchTouches(body)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(body, &obj); err != nil {
		return "", false, true // the cluster will refuse it; be strict meanwhile
	}
	if hasDirective(obj) {
		return "", false, true // e.g. a root "$patch": "replace" drops every label
	}
	full := method == http.MethodPut
	meta, present := obj["metadata"]
	if !present {
		return "", full, full
	}
	m, ok := meta.(map[string]any)
	if !ok {
		return "", false, true
	}
	if hasDirective(m) {
		return "", false, true
	}
	lbls, present := m["labels"]
	if !present {
		if mt == "application/apply-patch+yaml" {
			return "", false, true // apply may drop labels it owned
		}
		return "", full, full
	}
	if lbls == nil {
		return "", true, true
	}
	lm, ok := lbls.(map[string]any)
	if !ok || hasDirective(lm) {
		return "", false, true
	}
	v, present := lm[model.ProjectLabel]
	switch {
	case !present && (full || mt == "application/apply-patch+yaml"):
		return "", true, true
	case !present:
		return "", true, false
	case v == nil:
		return "", true, true
	}
	s, ok := v.(string)
	if !ok {
		return "", false, true
	}
	return s, true, true
}

func hasDirective(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "$") {
			return true
		}
	}
	return false
}

// writeKubeError relays an error of a request Paddock made to the cluster
// as the cluster's own Status when it has one.
func writeKubeError(w http.ResponseWriter, r *http.Request, err error) {
	if st, ok := err.(apierrors.APIStatus); ok || errors.As(err, &st) {
		s := st.Status()
		s.APIVersion, s.Kind = "v1", "Status"
		out, _ := json.Marshal(s)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(s.Code))
		_, _ = w.Write(out)
		return
	}
	writeStatus(w, r, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "", "paddock: "+err.Error())
}

// jsonPatchTouches reads a JSON patch the way the apiserver's patch library
// does — only the exact keys "path" and "from" count — and treats any op
// with a look-alike key (encoding/json would match "Path" too) as unknown.
func jsonPatchTouches(body []byte) (target string, known, touched bool) {
	var ops []map[string]json.RawMessage
	if err := json.Unmarshal(body, &ops); err != nil {
		return "", false, true
	}
	escaped := "/metadata/labels/" + strings.ReplaceAll(model.ProjectLabel, "/", "~1")
	for _, op := range ops {
		for k, raw := range op {
			lk := strings.ToLower(k)
			if (lk == "path" || lk == "from") && k != lk {
				return "", false, true
			}
			if k != "path" && k != "from" {
				continue
			}
			var p string
			if err := json.Unmarshal(raw, &p); err != nil {
				return "", false, true
			}
			switch {
			case p == "", p == "/metadata", p == "/metadata/labels", p == escaped,
				strings.HasPrefix(p, escaped+"/"):
				return "", false, true
			}
		}
	}
	return "", true, false
}
