package accessdata

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/httpx"
)

// parsed is the decoded request document, by kind, with each document's
// position.
type parsed struct {
	roles     []at[GlobalRoleDoc]
	templates []at[RoleTemplateDoc]
	projects  []at[ProjectDoc]
	users     []at[UserAccessDoc]
	bindings  []at[BindingDoc]
}

// at is a document with its 1-based position.
type at[T any] struct {
	n   int
	doc T
}

func (a *API) apply(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	dryRun, err := boolParam(q.Get("dryRun"), "dryRun")
	if err != nil {
		return err
	}
	prune, err := boolParam(q.Get("prune"), "prune")
	if err != nil {
		return err
	}
	if dryRun {
		audit.Annotate(r.Context(), "access.apply", "dry-run")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxDocumentBytes))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return httpx.Errorf(http.StatusRequestEntityTooLarge, "payload_too_large", "the document exceeds %d bytes", maxErr.Limit)
		}
		return httpx.BadRequest("reading the document: %v", err)
	}
	res := Result{DryRun: dryRun, Changes: []Change{}, Errors: []Problem{}}
	docs, problems := parse(body)
	if len(problems) == 0 && docs.empty() {
		// An empty body is almost certainly a mistake, and with prune it
		// would delete everything.
		return httpx.BadRequest("the request body holds no documents; send the YAML of an export (application/yaml)")
	}
	// The well-formed documents are checked even when others are not, so
	// one answer lists every problem.
	changes, planProblems, err := a.plan(r, docs, prune)
	if err != nil {
		return err
	}
	problems = append(problems, planProblems...)
	sort.SliceStable(problems, func(i, j int) bool { return docOrder(problems[i]) < docOrder(problems[j]) })
	if len(problems) > 0 {
		if !dryRun {
			audit.Annotate(r.Context(), "access.apply", fmt.Sprintf("nothing applied: %d problems", len(problems)))
		}
		res.Errors, res.Error = problems, "validation_failed"
		res.Message = fmt.Sprintf("%d problem(s) found; nothing was applied", len(problems))
		httpx.SetErrorCode(r.Context(), res.Error)
		httpx.WriteJSON(w, http.StatusUnprocessableEntity, res)
		return nil
	}
	if dryRun {
		res.Changes = append(res.Changes, changes...)
		httpx.WriteJSON(w, http.StatusOK, res)
		return nil
	}
	audit.Annotate(r.Context(), "access.apply", fmt.Sprintf("%d changes", len(changes)))
	for i := range changes {
		c := &changes[i]
		if err := c.do(); err != nil {
			if i > 0 {
				a.Acc.Changed(r.Context())
			}
			audit.Annotate(r.Context(), "access.apply", fmt.Sprintf("%d of %d changes (partially applied)", i, len(changes)))
			res.Changes = append(res.Changes, changes[:i]...)
			res.Failed, res.Error = c, "partially_applied"
			res.Message = fmt.Sprintf("partially applied: %d of %d changes were made, then %s %s %q failed: %v; fix the cause and apply again",
				i, len(changes), c.Action, c.Kind, c.Name, err)
			res.Errors = []Problem{{Kind: c.Kind, Name: c.Name, Message: err.Error()}}
			status := http.StatusInternalServerError
			if c.cluster {
				status = http.StatusBadGateway
			}
			httpx.SetErrorCode(r.Context(), res.Error)
			httpx.WriteJSON(w, status, res)
			return nil
		}
	}
	if len(changes) > 0 {
		a.Acc.Changed(r.Context())
	}
	res.Changes = append(res.Changes, changes...)
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func boolParam(v, name string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, httpx.BadRequest("%s must be true or false, not %q", name, v)
	}
	return b, nil
}

func (p *parsed) empty() bool {
	return len(p.roles)+len(p.templates)+len(p.projects)+len(p.users)+len(p.bindings) == 0
}

// split cuts a multi-document YAML stream at "---" lines, dropping
// documents that hold only blanks and comments.
func split(body []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	content := false
	flush := func() {
		if content {
			docs = append(docs, bytes.Clone(cur.Bytes()))
		}
		cur.Reset()
		content = false
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), MaxDocumentBytes+1)
	for sc.Scan() {
		line := sc.Text()
		if line == "---" || strings.HasPrefix(line, "--- ") || strings.HasPrefix(line, "---\t") {
			flush()
			continue
		}
		if line == "..." {
			continue
		}
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			content = true
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return docs
}

// parse decodes every document strictly, reporting every problem.
func parse(body []byte) (*parsed, []Problem) {
	out := &parsed{}
	var problems []Problem
	for i, raw := range split(body) {
		n := i + 1
		bad := func(kind, format string, args ...any) {
			problems = append(problems, Problem{Document: n, Kind: kind, Message: fmt.Sprintf(format, args...)})
		}
		var tm TypeMeta
		if err := yaml.Unmarshal(raw, &tm); err != nil {
			bad("", "malformed YAML: %s", yamlError(err))
			continue
		}
		if tm.APIVersion != APIVersion {
			bad(tm.Kind, "apiVersion %q: must be %q", tm.APIVersion, APIVersion)
			continue
		}
		var err error
		switch tm.Kind {
		case KindGlobalRole:
			out.roles, err = decode(raw, n, out.roles)
		case KindRoleTemplate:
			out.templates, err = decode(raw, n, out.templates)
		case KindProject:
			out.projects, err = decode(raw, n, out.projects)
		case KindUserAccess:
			out.users, err = decode(raw, n, out.users)
		case KindBinding:
			out.bindings, err = decode(raw, n, out.bindings)
		default:
			err = fmt.Errorf("unknown kind %q (known: %s)", tm.Kind,
				strings.Join([]string{KindGlobalRole, KindRoleTemplate, KindProject, KindUserAccess, KindBinding}, ", "))
		}
		if err != nil {
			bad(tm.Kind, "%v", err)
		}
	}
	return out, problems
}

func decode[T any](raw []byte, n int, list []at[T]) ([]at[T], error) {
	var v T
	if err := yaml.UnmarshalStrict(raw, &v); err != nil {
		return list, errors.New(yamlError(err))
	}
	return append(list, at[T]{n: n, doc: v}), nil
}

// yamlError trims the conversion layers from a decoding error.
func yamlError(err error) string {
	s := err.Error()
	for _, p := range []string{"error converting YAML to JSON: ", "error unmarshaling JSON: ", "while decoding JSON: ", "json: ", "yaml: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return strings.Join(strings.Fields(s), " ")
}

// docOrder sorts problems by document, those of no single document last.
func docOrder(p Problem) int {
	if p.Document == 0 {
		return math.MaxInt
	}
	return p.Document
}
