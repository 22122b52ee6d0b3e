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
func Bootstrap(ctx context.Context, st store.Store, chosen string, now time.Time) (generated string, err error) {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	password := chosen
	if password == "" {
		password = GeneratePassword()
		generated = password
	} else if err := CheckPasswordPolicy(BootstrapAdmin, chosen); err != nil {
		return "", errors.New("PADDOCK_BOOTSTRAP_PASSWORD: " + err.Error())
	}
	hash, err := HashPassword(password)
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
