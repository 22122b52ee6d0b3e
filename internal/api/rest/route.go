package rest

import (
	"context"
	"net/http"
	"strconv"

	"github.com/paddockhq/paddock/internal/audit"
	"github.com/paddockhq/paddock/internal/auth"
	"github.com/paddockhq/paddock/internal/httpx"
	"github.com/paddockhq/paddock/internal/store"
)

// Access is who may call a route.
type Access int

const (
	// Public routes need no credentials.
	Public Access = iota
	// Authenticated routes need any valid token.
	Authenticated
	// Admin routes need an admin.
	Admin
	// Capability routes need the global capability named by Route.Cap (an
	// admin holds every capability).
	Capability
)

// Param documents a query parameter.
type Param struct {
	Name        string
	Description string
	Type        string // "string", "integer", "boolean"
}

// Route is one API operation.
type Route struct {
	Method string
	Path   string // ServeMux pattern path, e.g. /v1/users/{id}
	// Audit names the action in the audit log (e.g. "user.create"); the
	// handler may refine the target with audit.Annotate.
	Audit   string
	Summary string
	Tag     string
	Access  Access
	// Cap is the capability a Capability route needs.
	Cap string
	// DuringPasswordChange lets a user who must still change a generated
	// password call the route.
	DuringPasswordChange bool
	Request              any // zero value of the JSON body type, nil for none
	Response             any // zero value of the JSON response type, nil for none
	Status               int // success status; 0 means 200
	// Errors documents error statuses beyond those the access level and
	// request shape imply.
	Errors  []int
	Query   []Param
	Handler httpx.HandlerFunc
}

// SuccessStatus is the documented success status.
func (rt Route) SuccessStatus() int {
	if rt.Status == 0 {
		return http.StatusOK
	}
	return rt.Status
}

// Capable says whether a principal holds a global capability.
type Capable func(p *auth.Principal, capability string) bool

// Mount registers routes on mux, each behind the access guard.
func Mount(mux *http.ServeMux, routes []Route, capable Capable) {
	for _, rt := range routes {
		if rt.Access == Capability && (rt.Cap == "" || capable == nil) {
			panic("rest: route " + rt.Method + " " + rt.Path + " needs a capability and a checker")
		}
		mux.Handle(rt.Method+" "+rt.Path, guard(rt, capable))
	}
}

func guard(rt Route, capable Capable) http.Handler {
	return httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		httpx.InfoFrom(r.Context()).Route = rt.Method + " " + rt.Path
		if rt.Audit != "" {
			audit.Annotate(r.Context(), rt.Audit, r.PathValue("id"))
		}
		if rt.Access != Public {
			p := auth.PrincipalFrom(r.Context())
			if p == nil {
				return httpx.Unauthorized("authentication required: send a bearer token or sign in")
			}
			if p.User.MustChangePassword && !rt.DuringPasswordChange {
				return httpx.Errorf(http.StatusForbidden, "password_change_required",
					"the generated password must be changed first: POST /v1/me/password {\"current\",\"new\"}")
			}
			if rt.Access == Admin && !p.User.Admin {
				return httpx.Forbidden("this operation needs an administrator")
			}
			if rt.Access == Capability && !capable(p, rt.Cap) {
				return httpx.Forbidden("this operation needs the %s capability", rt.Cap)
			}
		}
		return rt.Handler(w, r)
	})
}

// PageParams documents the pagination query parameters.
var PageParams = []Param{
	{Name: "limit", Type: "integer", Description: "page size (default 100, max 500)"},
	{Name: "after", Type: "string", Description: "cursor from the previous page's next field"},
}

// ParsePage reads ?limit= and ?after=.
func ParsePage(r *http.Request) (store.Page, error) {
	q := r.URL.Query()
	p := store.Page{After: q.Get("after")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.MaxLimit {
			return p, httpx.BadRequest("limit must be an integer from 1 to %d", store.MaxLimit)
		}
		p.Limit = n
	}
	return p, nil
}

// List is the envelope of every list response.
type List[T any] struct {
	Items []T `json:"items"`
	// Next is the cursor for the following page; empty on the last page.
	Next string `json:"next,omitempty"`
}

// StoreError maps store sentinels to API errors; what names the object.
func StoreError(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errorsIs(err, store.ErrNotFound):
		return httpx.NotFound("%s not found", what)
	case errorsIs(err, store.ErrConflict):
		return httpx.Conflict("%s already exists", what)
	case errorsIs(err, store.ErrBadCursor):
		return httpx.BadRequest("the after cursor is malformed; use the next value of a previous page")
	}
	return err
}

// Lister lists one page of stored items matching a search query.
type Lister[M any] func(ctx context.Context, query string, p store.Page) ([]M, string, error)

// ServeList answers a searchable, paginated list (?q=&limit=&after=) with
// the items converted by view; what names the items in errors.
func ServeList[M, V any](w http.ResponseWriter, r *http.Request, list Lister[M], view func(*M) V, what string) error {
	page, err := ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	if len(q) > 256 {
		return httpx.BadRequest("q must be at most 256 bytes")
	}
	items, next, err := list(r.Context(), q, page)
	if err != nil {
		return StoreError(err, what)
	}
	out := List[V]{Items: make([]V, 0, len(items)), Next: next}
	for i := range items {
		out.Items = append(out.Items, view(&items[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// Needs returns a route modifier that puts a route under tag and requires
// a global capability.
func Needs(tag, capability string) func(Route) Route {
	return func(rt Route) Route {
		rt.Tag, rt.Access, rt.Cap = tag, Capability, capability
		return rt
	}
}
