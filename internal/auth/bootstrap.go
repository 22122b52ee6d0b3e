package auth

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/paddockhq/paddock/internal/model"
	"github.com/paddockhq/paddock/internal/store"
)

// BootstrapAdmin is the account created on first start.
const BootstrapAdmin = "admin"

// Bootstrap creates the admin account when the store has no users. With an
// operator-chosen password (from the environment) the account is ready;
// otherwise a generated password is returned, to be printed once, and must
// be changed at first login. It returns "" when nothing was created.
//
// While the bootstrap admin still holds a generated password nobody has
// changed, every start issues a fresh one (or the chosen one), so a lost
// banner or a crash before it was printed never locks the operator out.
func Bootstrap(ctx context.Context, st store.Store, chosen string, now time.Time) (string, error) {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return reissueUnclaimed(ctx, st, chosen, now)
	}
	hash, generated, err := bootstrapHash(chosen)
	if err != nil {
		return "", err
	}
	now = now.UTC()
	u := &model.User{
		ID: uuid.NewString(), Username: BootstrapAdmin, DisplayName: "Administrator",
		Provider: model.LocalProvider, PasswordHash: hash, Admin: true,
		MustChangePassword: generated != "", CreatedAt: now, UpdatedAt: now,
	}
	if err := st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) { // another replica won the race
			return "", nil
		}
		return "", err
	}
	return generated, nil
}

// reissueUnclaimed replaces the bootstrap admin's password while it is still
// an unchanged generated one, revoking any session made with the old one.
func reissueUnclaimed(ctx context.Context, st store.Store, chosen string, now time.Time) (string, error) {
	u, err := st.GetUserByUsername(ctx, BootstrapAdmin)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil || !u.MustChangePassword || u.Provider != model.LocalProvider {
		return "", err
	}
	hash, generated, err := bootstrapHash(chosen)
	if err != nil {
		return "", err
	}
	if _, err := st.UpdateUser(ctx, u.ID, func(u *model.User) error {
		u.PasswordHash, u.MustChangePassword, u.UpdatedAt = hash, generated != "", now.UTC()
		return nil
	}); err != nil {
		return "", err
	}
	_, err = st.DeleteUserTokens(ctx, u.ID)
	return generated, err
}

// bootstrapHash hashes the operator's chosen password, or a generated one
// that it also returns (to be printed once).
func bootstrapHash(chosen string) (hash, generated string, err error) {
	password := chosen
	if password == "" {
		password = GeneratePassword()
		generated = password
	} else if err := CheckPasswordPolicy(BootstrapAdmin, chosen); err != nil {
		return "", "", errors.New("PADDOCK_BOOTSTRAP_PASSWORD: " + err.Error())
	}
	hash, err = HashPassword(password)
	return hash, generated, err
}
