// Package rest owns how Paddock's JSON API describes and serves its routes:
// a Route table (method, path, access level, request and response types)
// that each resource package contributes, the access guard applied to every
// route, pagination parameters, and the OpenAPI document generated from the
// same table, so the document cannot drift from the handlers.
package rest
