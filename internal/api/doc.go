// Package api owns the assembly of Paddock's HTTP surface: it collects the
// routes of every resource package, adds the system endpoints (health,
// readiness, metrics, CA certificates, the OpenAPI document), and wraps
// them in the middleware chain (observation, security headers, audit,
// authentication).
package api
