// Package cloudcreds owns the cloud credential API: users keep keys to
// their cloud accounts (AWS) for provisioners to create clusters with.
// Secrets are write-only (sealed by the store, never returned; the access
// key ID only masked); a credential is visible and usable only by its
// owner and administrators — to anyone else it does not exist, whatever id
// they know (Rancher CVE-2021-25320); one in use by a provisioned cluster
// cannot be deleted; the test action asks the cloud who the key is.
package cloudcreds

import (
	"context"
	"net/http"
	"time"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// Identity is who a cloud says a credential is.
type Identity struct {
	Account string
	ARN     string
}

// Tester asks the cloud who a credential is (AWS: sts:GetCallerIdentity).
// Its errors are shown to the caller, so they must say what is wrong
// without repeating the secret.
type Tester func(ctx context.Context, c *model.CloudCredential, s *model.CloudSecret) (*Identity, error)

// API serves the cloud credential routes.
type API struct {
	Store store.Store
	Now   func() time.Time
	// Test is nil when this server cannot reach any cloud.
	Test Tester
}

// Credential is the public view: never the secret, the key ID masked.
type Credential struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Provider      string `json:"provider"`
	AccessKeyID   string `json:"accessKeyID"` // masked, e.g. "AKIA…WXYZ"
	DefaultRegion string `json:"defaultRegion"`
	// HasSessionToken says whether a session token is stored (temporary
	// credentials expire).
	HasSessionToken bool      `json:"hasSessionToken"`
	OwnerID         string    `json:"ownerID"`
	Owner           string    `json:"owner,omitempty"` // the owner's username
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// CreateRequest stores a credential.
type CreateRequest struct {
	Name            string `json:"name"`
	Provider        string `json:"provider"` // "aws" (the default)
	AccessKeyID     string `json:"accessKeyID"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken,omitempty"`
	DefaultRegion   string `json:"defaultRegion,omitempty"`
}

// PatchRequest renames a credential, changes its region or rotates its
// keys: a new access key ID needs its secret; a new secret replaces the
// session token (absent: none).
type PatchRequest struct {
	Name            *string `json:"name,omitempty"`
	AccessKeyID     *string `json:"accessKeyID,omitempty"`
	SecretAccessKey *string `json:"secretAccessKey,omitempty"`
	SessionToken    *string `json:"sessionToken,omitempty"`
	DefaultRegion   *string `json:"defaultRegion,omitempty"`
}

// TestResult is the answer of the test action: the identity, or why the
// cloud refused.
type TestResult struct {
	OK      bool   `json:"ok"`
	Account string `json:"account,omitempty"`
	ARN     string `json:"arn,omitempty"`
	Error   string `json:"error,omitempty"`
}

// InUse is the answer to deleting a credential clusters use.
type InUse struct {
	Error    string   `json:"error"`
	Message  string   `json:"message"`
	Clusters []string `json:"clusters"`
}

// Routes lists the cloud credential routes.
func (a *API) Routes() []rest.Route {
	route := func(rt rest.Route) rest.Route {
		rt.Tag, rt.Access = "cloudcredentials", rest.Authenticated
		return rt
	}
	return []rest.Route{
		route(rest.Route{Method: "GET", Path: "/v1/cloudcredentials",
			Summary:  "List the caller's cloud credentials (administrators: everyone's, with their owner)",
			Response: rest.List[Credential]{}, Handler: a.list}),
		route(rest.Route{Method: "POST", Path: "/v1/cloudcredentials", Audit: "cloudcredential.create",
			Summary: "Store a cloud credential (aws): the secret access key and session token are sealed and never returned",
			Request: CreateRequest{}, Response: Credential{}, Status: http.StatusCreated, Errors: []int{http.StatusConflict},
			Handler: a.create}),
		route(rest.Route{Method: "GET", Path: "/v1/cloudcredentials/{id}", Summary: "Read a cloud credential (its owner, administrators)",
			Response: Credential{}, Handler: a.get}),
		route(rest.Route{Method: "PATCH", Path: "/v1/cloudcredentials/{id}", Audit: "cloudcredential.update",
			Summary: "Rename a cloud credential, change its default region or rotate its keys",
			Request: PatchRequest{}, Response: Credential{}, Errors: []int{http.StatusConflict}, Handler: a.patch}),
		route(rest.Route{Method: "DELETE", Path: "/v1/cloudcredentials/{id}", Audit: "cloudcredential.delete",
			Summary: "Delete a cloud credential; refused (409, with the clusters) while a provisioned cluster uses it",
			Status:  http.StatusNoContent, Errors: []int{http.StatusConflict}, Handler: a.delete}),
		route(rest.Route{Method: "POST", Path: "/v1/cloudcredentials/{id}/test", Audit: "cloudcredential.test",
			Summary:  "Ask the cloud who the credential is (aws: sts:GetCallerIdentity): {ok, account, arn} or why it was refused",
			Response: TestResult{}, Handler: a.test}),
	}
}

// usable loads the credential in the path if the caller may use it; to
// anyone else it does not exist.
func (a *API) usable(r *http.Request) (*model.CloudCredential, error) {
	c, err := a.Store.GetCloudCredential(r.Context(), r.PathValue("id"))
	if who := rest.Who(r); err == nil && !c.UsableBy(who.UserID, who.Admin) {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, rest.StoreError(err, "cloud credential")
	}
	return c, nil
}

func (a *API) view(ctx context.Context, c *model.CloudCredential, owners map[string]string) Credential {
	v := Credential{ID: c.ID, Name: c.Name, Provider: c.Provider, AccessKeyID: c.MaskedKey(), DefaultRegion: c.DefaultRegion,
		OwnerID: c.OwnerID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if s, err := a.Store.GetCloudCredentialSecret(ctx, c.ID); err == nil {
		v.HasSessionToken = s.SessionToken != ""
	}
	name, ok := owners[c.OwnerID]
	if !ok {
		if u, err := a.Store.GetUser(ctx, c.OwnerID); err == nil {
			name = u.Username
		}
		owners[c.OwnerID] = name
	}
	v.Owner = name
	return v
}

func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	who := rest.Who(r)
	owner := who.UserID
	if who.Admin {
		owner = ""
	}
	cs, err := a.Store.ListCloudCredentials(r.Context(), owner)
	if err != nil {
		return err
	}
	out, owners := make([]Credential, 0, len(cs)), map[string]string{}
	for i := range cs {
		out = append(out, a.view(r.Context(), &cs[i], owners))
	}
	httpx.WriteJSON(w, http.StatusOK, rest.List[Credential]{Items: out})
	return nil
}

func (a *API) get(w http.ResponseWriter, r *http.Request) error {
	c, err := a.usable(r)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, a.view(r.Context(), c, map[string]string{}))
	return nil
}
