package saml

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	gosaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/paddockhq/paddock/internal/idp"
)

// maxResponseSize bounds the POSTed form carrying the SAMLResponse.
const maxResponseSize = 2 << 20

// keptState is what Begin hands the caller to keep until Finish.
type keptState struct {
	RequestID string    `json:"requestID"`
	CreatedAt time.Time `json:"createdAt"`
}

func fixedClock(t time.Time) *dsig.Clock { return dsig.NewFakeClockAt(t) }

// Begin makes an AuthnRequest for the HTTP-Redirect binding, signed with
// the SP key, asking for the response at callbackURL (the ACS URL).
func (c *Connector) Begin(ctx context.Context, callbackURL string) (string, []byte, error) {
	ed, err := c.idpMetadata(ctx, false)
	if err != nil {
		return "", nil, err
	}
	now := c.now()
	sp, err := c.serviceProvider(callbackURL, ed, now)
	if err != nil {
		return "", nil, err
	}
	req, err := sp.MakeAuthenticationRequest(ssoLocation(ed), gosaml.HTTPRedirectBinding, gosaml.HTTPPostBinding)
	if err != nil {
		return "", nil, fmt.Errorf("making the AuthnRequest: %w", err)
	}
	u, err := req.Redirect("", sp)
	if err != nil {
		return "", nil, fmt.Errorf("encoding the AuthnRequest: %w", err)
	}
	state, err := json.Marshal(keptState{RequestID: req.ID, CreatedAt: now})
	if err != nil {
		return "", nil, err
	}
	return u.String(), state, nil
}

// Finish checks the SAMLResponse POSTed to the ACS (see the package doc)
// and returns the identity it vouches for.
func (c *Connector) Finish(ctx context.Context, callbackURL string, r *http.Request, state []byte) (*idp.Identity, error) {
	var ks keptState
	if err := json.Unmarshal(state, &ks); err != nil || ks.RequestID == "" {
		return nil, fmt.Errorf("%w: no valid sign-in state", idp.ErrRefused)
	}
	now := c.now()
	if age := now.Sub(ks.CreatedAt); age > maxStateAge || age < -c.skew {
		return nil, fmt.Errorf("%w: sign-in state is %s old, outside 0..%s", idp.ErrRefused, age.Round(time.Second), maxStateAge)
	}
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("%w: the SAML response must be POSTed (HTTP-POST binding), got %s", idp.ErrRefused, r.Method)
	}
	if r.PostForm == nil {
		r.Body = http.MaxBytesReader(nil, r.Body, maxResponseSize)
		if err := r.ParseForm(); err != nil {
			return nil, fmt.Errorf("%w: reading the SAML response form: %v", idp.ErrRefused, err)
		}
	}
	switch {
	case r.Form.Get("SAMLart") != "":
		return nil, fmt.Errorf("%w: the HTTP-Artifact binding is not accepted", idp.ErrRefused)
	case r.Form.Has("SigAlg") || r.Form.Has("Signature"):
		return nil, fmt.Errorf("%w: the HTTP-POST-SimpleSign binding is not accepted", idp.ErrRefused)
	case r.PostForm.Get("SAMLResponse") == "":
		return nil, fmt.Errorf("%w: no SAMLResponse in the POSTed form", idp.ErrRefused)
	}

	ed, err := c.idpMetadata(ctx, false)
	if err != nil {
		return nil, err
	}
	sp, err := c.serviceProvider(callbackURL, ed, now)
	if err != nil {
		return nil, err
	}
	assertion, err := sp.ParseResponse(r, []string{ks.RequestID})
	if err != nil {
		return nil, fmt.Errorf("%w: %s", idp.ErrRefused, responseError(err))
	}
	if err := c.checkTimes(assertion, now); err != nil {
		return nil, fmt.Errorf("%w: %v", idp.ErrRefused, err)
	}
	id, err := c.identity(assertion)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", idp.ErrRefused, err)
	}
	if err := c.spend(ctx, assertion, now); err != nil {
		return nil, err
	}
	return id, nil
}

// responseError is the detail of a crewjam parse error (whose Error() is a
// deliberately vague "Authentication failed").
func responseError(err error) string {
	var ire *gosaml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		err = ire.PrivateErr
	}
	var bad gosaml.ErrBadStatus
	if errors.As(err, &bad) {
		return "the IdP answered with status " + bad.Status
	}
	return err.Error()
}

// checkTimes applies the configured skew, which may be stricter than
// crewjam's own 180 s: Conditions NotBefore/NotOnOrAfter, and at least one
// bearer SubjectConfirmationData NotOnOrAfter.
func (c *Connector) checkTimes(a *gosaml.Assertion, now time.Time) error {
	cond := a.Conditions
	if cond == nil {
		return errors.New("assertion has no Conditions")
	}
	if !cond.NotBefore.IsZero() && now.Before(cond.NotBefore.Add(-c.skew)) {
		return fmt.Errorf("assertion is not valid before %s (allowed skew %s)", cond.NotBefore.Format(time.RFC3339), c.skew)
	}
	if !cond.NotOnOrAfter.IsZero() && !now.Before(cond.NotOnOrAfter.Add(c.skew)) {
		return fmt.Errorf("assertion expired at %s (allowed skew %s)", cond.NotOnOrAfter.Format(time.RFC3339), c.skew)
	}
	for _, sc := range a.Subject.SubjectConfirmations {
		if sc.Method == "urn:oasis:names:tc:SAML:2.0:cm:bearer" && sc.SubjectConfirmationData != nil &&
			now.Before(sc.SubjectConfirmationData.NotOnOrAfter.Add(c.skew)) {
			return nil
		}
	}
	return fmt.Errorf("assertion's bearer subject confirmation expired (allowed skew %s)", c.skew)
}

// spend records the assertion ID in the replay guard until the assertion
// could not be accepted anyway, and refuses an assertion seen before.
func (c *Connector) spend(ctx context.Context, a *gosaml.Assertion, now time.Time) error {
	if c.deps.Replay == nil {
		return fmt.Errorf("%w: no replay guard configured", idp.ErrUnavailable)
	}
	if a.ID == "" {
		return fmt.Errorf("%w: assertion has no ID", idp.ErrRefused)
	}
	until := a.IssueInstant.Add(gosaml.MaxIssueDelay)
	if t := a.Conditions.NotOnOrAfter; t.After(until) {
		until = t
	}
	for _, sc := range a.Subject.SubjectConfirmations {
		if d := sc.SubjectConfirmationData; d != nil && d.NotOnOrAfter.After(until) {
			until = d.NotOnOrAfter
		}
	}
	until = until.Add(max(c.skew, gosaml.MaxClockSkew))
	if until.Before(now) {
		until = now.Add(time.Minute)
	}
	// Keyed by issuer: assertion IDs are unique per IdP, and the guard may
	// be shared by several providers.
	fresh, err := c.deps.Replay.Use(ctx, "saml:"+a.Issuer.Value+"#"+a.ID, until)
	if err != nil {
		return fmt.Errorf("%w: replay guard: %v", idp.ErrUnavailable, err)
	}
	if !fresh {
		return fmt.Errorf("%w: assertion %q was already used (replay)", idp.ErrRefused, a.ID)
	}
	return nil
}
