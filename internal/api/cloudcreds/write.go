package cloudcreds

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

var accessKeyRE = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)

func checkName(name string) error {
	if name == "" || len(name) > 63 || strings.TrimSpace(name) != name {
		return httpx.Invalid("name must be 1-63 characters without leading or trailing spaces")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return httpx.Invalid("name must be printable")
		}
	}
	return nil
}

func checkKeys(accessKeyID string, s *model.CloudSecret) error {
	if !accessKeyRE.MatchString(accessKeyID) {
		return httpx.Invalid("accessKeyID must be an AWS access key ID (16-128 capital letters and digits, like AKIA…)")
	}
	if len(s.SecretAccessKey) < 16 || len(s.SecretAccessKey) > 128 || strings.ContainsFunc(s.SecretAccessKey, unicode.IsSpace) {
		return httpx.Invalid("secretAccessKey must be 16-128 characters without spaces")
	}
	if len(s.SessionToken) > 8192 || strings.ContainsFunc(s.SessionToken, unicode.IsSpace) {
		return httpx.Invalid("sessionToken must be at most 8192 characters without spaces")
	}
	return nil
}

func checkRegion(region string) error {
	if region != "" && !model.ValidAWSRegion(region) {
		return httpx.Invalid("defaultRegion %q is not an AWS region (e.g. us-east-1, eu-west-1)", region)
	}
	return nil
}

func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	var req CreateRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cloudcredential.create", req.Name)
	if req.Provider == "" {
		req.Provider = model.CloudAWS
	}
	if req.Provider != model.CloudAWS {
		return httpx.Invalid("provider must be %q", model.CloudAWS)
	}
	secret := model.CloudSecret{SecretAccessKey: req.SecretAccessKey, SessionToken: req.SessionToken}
	for _, err := range []error{checkName(req.Name), checkKeys(req.AccessKeyID, &secret), checkRegion(req.DefaultRegion)} {
		if err != nil {
			return err
		}
	}
	now := a.Now().UTC()
	c := &model.CloudCredential{ID: uuid.NewString(), Name: req.Name, Provider: req.Provider, OwnerID: rest.Who(r).UserID,
		AccessKeyID: req.AccessKeyID, DefaultRegion: req.DefaultRegion, CreatedAt: now, UpdatedAt: now}
	if err := a.Store.CreateCloudCredential(r.Context(), c, secret); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return httpx.Conflict("you already have a cloud credential named %q", req.Name)
		}
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, a.view(r.Context(), c, map[string]string{}))
	return nil
}

func (a *API) patch(w http.ResponseWriter, r *http.Request) error {
	var req PatchRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	cur, err := a.usable(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cloudcredential.update", cur.Name)
	if req.AccessKeyID != nil && req.SecretAccessKey == nil {
		return httpx.Invalid("a new accessKeyID needs its secretAccessKey")
	}
	c, err := a.Store.UpdateCloudCredential(r.Context(), cur.ID, func(c *model.CloudCredential, s *model.CloudSecret) error {
		return apply(&req, c, s, a.Now())
	})
	if errors.Is(err, store.ErrConflict) {
		return httpx.Conflict("the owner already has a cloud credential of that name")
	}
	if err != nil {
		return rest.StoreError(err, "cloud credential")
	}
	httpx.WriteJSON(w, http.StatusOK, a.view(r.Context(), c, map[string]string{}))
	return nil
}

// apply changes c and s as req asks and checks the result.
func apply(req *PatchRequest, c *model.CloudCredential, s *model.CloudSecret, now time.Time) error {
	if req.Name != nil {
		c.Name = *req.Name
	}
	if req.DefaultRegion != nil {
		c.DefaultRegion = *req.DefaultRegion
	}
	if req.AccessKeyID != nil {
		c.AccessKeyID = *req.AccessKeyID
	}
	if req.SecretAccessKey != nil {
		s.SecretAccessKey, s.SessionToken = *req.SecretAccessKey, ""
	}
	if req.SessionToken != nil {
		s.SessionToken = *req.SessionToken
	}
	for _, err := range []error{checkName(c.Name), checkKeys(c.AccessKeyID, s), checkRegion(c.DefaultRegion)} {
		if err != nil {
			return err
		}
	}
	c.UpdatedAt = now.UTC()
	return nil
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) error {
	c, err := a.usable(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cloudcredential.delete", c.Name)
	err = a.Store.DeleteCloudCredential(r.Context(), c.ID)
	if errors.Is(err, store.ErrConflict) {
		return a.inUse(w, r.Context(), c)
	}
	if err != nil {
		return rest.StoreError(err, "cloud credential")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// inUse answers 409 with the names of the clusters using c.
func (a *API) inUse(w http.ResponseWriter, ctx context.Context, c *model.CloudCredential) error {
	ps, err := a.Store.ListProvisionsByCredential(ctx, c.ID)
	if err != nil {
		return err
	}
	names := []string{}
	for _, p := range ps {
		if cl, err := a.Store.GetCluster(ctx, p.ClusterID); err == nil {
			names = append(names, cl.Name)
		}
	}
	httpx.WriteJSON(w, http.StatusConflict, InUse{Error: "conflict", Clusters: names,
		Message: "cloud credential " + c.Name + " is used by clusters " + strings.Join(names, ", ") +
			"; delete them (or wait until they are deprovisioned) first"})
	return nil
}

func (a *API) test(w http.ResponseWriter, r *http.Request) error {
	c, err := a.usable(r)
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cloudcredential.test", c.Name)
	if a.Test == nil {
		return httpx.Invalid("this server cannot reach %s", c.Provider)
	}
	s, err := a.Store.GetCloudCredentialSecret(r.Context(), c.ID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	id, err := a.Test(ctx, c, s)
	if err != nil {
		httpx.WriteJSON(w, http.StatusOK, TestResult{Error: err.Error()})
		return nil
	}
	httpx.WriteJSON(w, http.StatusOK, TestResult{OK: true, Account: id.Account, ARN: id.ARN})
	return nil
}
