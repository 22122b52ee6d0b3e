// Package audit owns the audit trail: a middleware that records every
// mutating API call, and every read whose handler names an action (who, from where, what, on which target, with what
// outcome) with its request body redacted, and the helpers handlers use to
// name the action and target precisely.
package audit
