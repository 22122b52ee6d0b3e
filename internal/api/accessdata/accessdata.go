// Package accessdata treats the access model as data: it exports every
// custom global role, custom role template, project (with its
// namespaces), user's access and binding as a reviewable multi-document
// YAML file that names things by name rather than ID; it applies such a
// file idempotently (all validated first, then applied in dependency
// order, with a dry-run diff and optional pruning); and it answers "who
// can do this in that cluster".
package accessdata

import (
	"context"
	"net/http"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/paddockhq/paddock/internal/access"
	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/store"
)

// MaxDocumentBytes bounds an applied document.
const MaxDocumentBytes = 4 << 20

// API serves the access-as-data routes.
type API struct {
	Store store.Store
	Acc   *access.Authorizer
	Now   func() time.Time
	// Kube returns Paddock's own client in a cluster; it fails when the
	// cluster cannot be reached.
	Kube func(ctx context.Context, clusterID string) (kubernetes.Interface, error)
}

// Routes lists the access-as-data routes.
func (a *API) Routes() []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/access/export", Tag: "access", Access: rest.Admin,
			Summary: "Export the access model as multi-document YAML (application/yaml)", Handler: a.export},
		{Method: "POST", Path: "/v1/access/apply", Audit: "access.apply", Tag: "access", Access: rest.Admin,
			Summary: "Apply an access document (application/yaml body, as exported): all or nothing after validation, idempotent",
			Query: []rest.Param{
				{Name: "dryRun", Type: "boolean", Description: "only compute the changes"},
				{Name: "prune", Type: "boolean", Description: "also delete custom global roles, custom templates, projects and bindings the document does not list"}},
			Response: Result{}, Errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity,
				http.StatusInternalServerError, http.StatusBadGateway}, Handler: a.apply},
		{Method: "GET", Path: "/v1/access/who-can", Tag: "access", Access: rest.Authenticated,
			Summary: "Who may do verb on resource in a cluster (or a namespace of it): admins, audit readers and the cluster's member managers",
			Query: []rest.Param{
				{Name: "cluster", Type: "string", Description: "cluster ID or name"},
				{Name: "namespace", Type: "string", Description: "a namespace (project bindings then count); empty: cluster scope"},
				{Name: "verb", Type: "string", Description: "e.g. get, create, delete"},
				{Name: "resource", Type: "string", Description: "kubectl form: pods, pods/log, deployments.apps; or a non-resource URL starting with /"},
				{Name: "name", Type: "string", Description: "a resource name (optional)"}},
			Response: WhoCanResult{}, Errors: []int{http.StatusNotFound, http.StatusBadGateway, http.StatusServiceUnavailable}, Handler: a.whoCan},
	}
}
