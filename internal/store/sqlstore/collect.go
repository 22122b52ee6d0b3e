package sqlstore

import (
	"database/sql"
	"fmt"
)

// collect reads every row of a query with scan; errors (of the query too)
// come back as "sqlstore: <what>: ...".
func collect[T any](rows *sql.Rows, err error, what string, scan func(scanner) (*T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	return out, nil
}
