package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paddockhq/paddock/internal/model"
)

const roleTemplateColumns = `name, description, context, rules, inherits, created_by, created_at, updated_at`

func scanRoleTemplate(row scanner) (*model.RoleTemplate, error) {
	var (
		t                    model.RoleTemplate
		roleCtx, rules       string
		inherits             string
		createdAt, updatedAt int64
	)
	if err := row.Scan(&t.Name, &t.Description, &roleCtx, &rules, &inherits, &t.CreatedBy, &createdAt,
		&updatedAt); err != nil {
		return nil, err
	}
	t.Context = model.RoleContext(roleCtx)
	if err := json.Unmarshal([]byte(rules), &t.Rules); err != nil {
		return nil, fmt.Errorf("sqlstore: role template %q rules: %w", t.Name, err)
	}
	if len(t.Rules) == 0 {
		t.Rules = nil
	}
	if err := decodeList(inherits, &t.Inherits); err != nil {
		return nil, fmt.Errorf("sqlstore: role template %q inherits: %w", t.Name, err)
	}
	t.CreatedAt, t.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	return &t, nil
}

// roleTemplateArgs are the column values of t after name: name_lower,
// description, context, rules, inherits, created_by, created_at, updated_at.
func roleTemplateArgs(t *model.RoleTemplate) ([]any, error) {
	switch {
	case t.Name == "":
		return nil, errors.New("sqlstore: role template has no name")
	case t.Builtin:
		return nil, fmt.Errorf("sqlstore: role template %q is built in; built-ins are not stored", t.Name)
	}
	rules := t.Rules
	if rules == nil {
		rules = []model.PolicyRule{}
	}
	rulesJSON, err := encodeJSON(rules)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: role template %q rules: %w", t.Name, err)
	}
	inherits, err := encodeList(t.Inherits)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: role template %q inherits: %w", t.Name, err)
	}
	return []any{foldCase(t.Name), t.Description, string(t.Context), rulesJSON, inherits, t.CreatedBy,
		toDB(t.CreatedAt), toDB(t.UpdatedAt)}, nil
}

// CreateRoleTemplate inserts t; a duplicate name (case-insensitive) is
// store.ErrConflict.
func (s *Store) CreateRoleTemplate(ctx context.Context, t *model.RoleTemplate) error {
	args, err := roleTemplateArgs(t)
	if err != nil {
		return err
	}
	return s.accessTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO role_templates (name, name_lower, description, context,
			rules, inherits, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			append([]any{t.Name}, args...)...)
		return accessErr(err, fmt.Sprintf("role template %q", t.Name))
	})
}

// GetRoleTemplate returns the role template with exactly this name, or
// store.ErrNotFound.
func (s *Store) GetRoleTemplate(ctx context.Context, name string) (*model.RoleTemplate, error) {
	t, err := scanRoleTemplate(s.r.QueryRowContext(ctx,
		s.q(`SELECT `+roleTemplateColumns+` FROM role_templates WHERE name = ?`), name))
	return t, accessErr(err, fmt.Sprintf("role template %q", name))
}

// ListRoleTemplates lists the custom role templates by lower-cased name.
func (s *Store) ListRoleTemplates(ctx context.Context) ([]model.RoleTemplate, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+roleTemplateColumns+` FROM role_templates ORDER BY name_lower`)
	return collect(rows, err, "listing role templates", scanRoleTemplate)
}

// UpdateRoleTemplate reads the template, applies fn and writes it back in
// one transaction; fn must not change the name nor call the store.
func (s *Store) UpdateRoleTemplate(ctx context.Context, name string, fn func(*model.RoleTemplate) error) (*model.RoleTemplate, error) {
	var out *model.RoleTemplate
	err := s.accessTx(ctx, func(tx *sql.Tx) error {
		what := fmt.Sprintf("role template %q", name)
		t, err := scanRoleTemplate(tx.QueryRowContext(ctx,
			s.q(`SELECT `+roleTemplateColumns+` FROM role_templates WHERE name = ?`+s.forUpdate()), name))
		if err != nil {
			return accessErr(err, what)
		}
		if err := fn(t); err != nil {
			return err
		}
		if t.Name != name {
			return fmt.Errorf("sqlstore: updating %s: the name cannot change (to %q)", what, t.Name)
		}
		args, err := roleTemplateArgs(t)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE role_templates SET name_lower = ?, description = ?, context = ?,
			rules = ?, inherits = ?, created_by = ?, created_at = ?, updated_at = ? WHERE name = ?`),
			append(args, name)...)
		if err != nil {
			return accessErr(err, what)
		}
		out = t
		return nil
	})
	return out, err
}

// DeleteRoleTemplate removes the template, or returns store.ErrNotFound.
// Bindings and templates naming it are left to the caller.
func (s *Store) DeleteRoleTemplate(ctx context.Context, name string) error {
	return s.deleteOne(ctx, `DELETE FROM role_templates WHERE name = ?`, name, fmt.Sprintf("role template %q", name))
}
