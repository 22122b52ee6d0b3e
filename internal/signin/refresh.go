package signin

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/paddockhq/paddock/internal/idp"
	"github.com/paddockhq/paddock/internal/model"
)

// RefreshDue re-reads the groups of identities not refreshed for interval,
// at providers that can (at most batch per provider per call). A person
// the provider no longer knows is disabled (their sessions and tokens end
// at once); groups they left stop granting access.
func (s *Service) RefreshDue(ctx context.Context, interval time.Duration, batch int) (refreshed, gone int, err error) {
	providers, err := s.Store.ListProviders(ctx)
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for i := range providers {
		p := &providers[i]
		if !p.Enabled || p.Type == model.LocalProvider {
			continue
		}
		_, conn, err := s.Connector(ctx, p.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rf, ok := conn.(idp.Refresher)
		if !ok {
			continue
		}
		ids, err := s.Store.ListIdentities(ctx, p.Name, s.now().Add(-interval), batch)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, ident := range ids {
			r, g, err := s.refreshOne(ctx, p, rf, ident)
			refreshed, gone = refreshed+r, gone+g
			if err != nil {
				errs = append(errs, err)
				if errors.Is(err, idp.ErrUnavailable) {
					break // try this provider again next round
				}
			}
		}
	}
	return refreshed, gone, errors.Join(errs...)
}

func (s *Service) refreshOne(ctx context.Context, p *model.Provider, rf idp.Refresher, ident model.Identity) (int, int, error) {
	fresh, err := rf.Refresh(ctx, &idp.Identity{Subject: ident.Subject, Username: ident.Username, Groups: ident.Groups})
	now := s.now().UTC()
	if errors.Is(err, idp.ErrGone) {
		ident.Groups, ident.RefreshedAt = nil, now
		if err := s.Store.PutIdentity(ctx, &ident); err != nil {
			return 0, 0, err
		}
		if _, err := s.Store.UpdateUser(ctx, ident.UserID, func(u *model.User) error {
			u.Disabled, u.UpdatedAt = true, now
			return nil
		}); err != nil {
			return 0, 0, err
		}
		s.Auth.Flush()
		s.audit(ctx, "user.disable.upstream", ident.Username, p.Name+": no longer known to the identity provider")
		s.log().Warn("user no longer known to the identity provider: disabled", "provider", p.Name, "username", ident.Username)
		return 0, 1, nil
	}
	if err != nil {
		return 0, 0, err
	}
	ident.Groups, ident.RefreshedAt = fresh.Groups, now
	if err := s.Store.PutIdentity(ctx, &ident); err != nil {
		return 0, 0, err
	}
	if !Allowed(p, fresh) {
		// No longer on the provider's access list (left the allowed
		// group): their sessions and tokens end now.
		if _, err := s.Store.DeleteUserTokens(ctx, ident.UserID); err != nil {
			return 0, 0, err
		}
		s.audit(ctx, "user.signout.upstream", ident.Username, p.Name+": no longer on the provider's access list")
	}
	s.Auth.Flush()
	return 1, 0, nil
}

// audit records what the refresh did on nobody's request.
func (s *Service) audit(ctx context.Context, action, target, detail string) {
	d, _ := json.Marshal(map[string]string{"reason": detail})
	e := &model.AuditEvent{Time: s.now().UTC(), Actor: "paddock", Action: action, Target: target,
		Outcome: model.OutcomeSuccess, Status: 200, Detail: string(d)}
	if err := s.Store.AppendAudit(ctx, e); err != nil {
		s.log().Warn("recording an audit event failed", "action", action, "err", err)
	}
}
