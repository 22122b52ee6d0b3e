package clusters

import (
	"errors"
	"net/http"

	"github.com/paddockhq/paddock/internal/api/rest"
	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// RegisterRequest is an agent presenting its one-time registration token.
type RegisterRequest struct {
	Token string `json:"token"`
}

// RegisterResponse carries the per-cluster agent credential (shown once)
// that replaces the registration token.
type RegisterResponse struct {
	ClusterID  string `json:"clusterID"`
	AgentToken string `json:"agentToken"`
}

// AgentRoutes lists the routes agents call. tun serves /v1/connect.
func (a *API) AgentRoutes(tun http.Handler) []rest.Route {
	return []rest.Route{
		{Method: "GET", Path: "/v1/connect", Tag: "agent", Access: rest.Public,
			Summary: "Agent reverse tunnel: a websocket carrying yamux streams; the agent credential goes in X-Paddock-Agent-Token",
			Errors:  []int{http.StatusUnauthorized}, Handler: func(w http.ResponseWriter, r *http.Request) error {
				tun.ServeHTTP(w, r)
				return nil
			}},
		{Method: "POST", Path: "/v1/agent/register", Audit: "cluster.agent.register", Tag: "agent", Access: rest.Public,
			Summary: "Exchange a one-time registration token for the cluster's agent credential; the registration token stops working",
			Request: RegisterRequest{}, Response: RegisterResponse{}, Errors: []int{http.StatusUnauthorized}, Handler: a.register},
	}
}

var errUsed = errors.New("registration token already used")

func (a *API) register(w http.ResponseWriter, r *http.Request) error {
	var req RegisterRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		return err
	}
	refused := httpx.Unauthorized("unknown or already used registration token")
	if !auth.WellFormedSecret(auth.RegistrationPrefix, req.Token) {
		return refused
	}
	hash := auth.HashToken(req.Token)
	c, err := a.Store.GetClusterByCredential(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.RegistrationHash != hash) {
		return refused
	}
	if err != nil {
		return err
	}
	audit.Annotate(r.Context(), "cluster.agent.register", c.Name)
	secret, agentHash := auth.NewSecret(auth.AgentPrefix)
	_, err = a.Store.UpdateCluster(r.Context(), c.ID, func(c *model.Cluster) error {
		if c.RegistrationHash != hash { // another agent won the race
			return errUsed
		}
		c.RegistrationHash, c.AgentHash, c.UpdatedAt = "", agentHash, a.Now().UTC()
		return nil
	})
	if errors.Is(err, errUsed) || errors.Is(err, store.ErrNotFound) {
		return refused
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, RegisterResponse{ClusterID: c.ID, AgentToken: secret})
	return nil
}
