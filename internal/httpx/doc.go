// Package httpx owns Paddock's HTTP plumbing shared by every endpoint:
// handlers that return errors, the JSON error envelope, strict JSON decoding
// with size limits, and the middleware chain (request id, panic recovery,
// security headers, access logs and Prometheus metrics).
package httpx
