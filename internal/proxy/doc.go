// Package proxy is the kube API reverse proxy behind
// /k8s/clusters/{id}/...: kubectl, client-go and the web UI talk to every
// downstream cluster through Paddock's one URL, with their Paddock
// credential.
//
// The proxy owns the path from an authenticated request to the cluster's
// kube-apiserver, and nothing about who may do what inside a cluster:
//
//  1. The caller was authenticated by Paddock's middleware; the
//     [auth.Principal] is in the request context. No principal: 401.
//  2. [Options].Authorize answers one question, "may this user reach this
//     cluster at all". A refusal is a 403 written by Paddock, before any byte
//     reaches the cluster.
//  3. The request is rewritten: the /k8s/clusters/{id} prefix is cut (the
//     escaped path and the query string survive as sent), and every header
//     the client could use to claim an identity is removed, namely all
//     Impersonate-* headers, every header named in Connection (so a
//     "Connection: Impersonate-User" cannot make a hop-by-hop stripper
//     delete the proxy's own header later), Authorization, Cookie,
//     Proxy-Authorization, X-Remote-* and client-supplied forwarding headers.
//     Then Impersonate-User and Impersonate-Group are set for the principal
//     ([DefaultIdentity]: "paddock:user:<user ID>" in [GroupAuthenticated],
//     [GroupAdmins] for Paddock admins, and system:authenticated).
//  4. The request goes to the cluster with the cluster's own credential,
//     which the [Backend] carries in its transports (a stored credential for
//     a direct cluster; over the agent tunnel the agent adds its own).
//
// Authorization therefore happens in the real kube-apiserver: the RBAC sync
// writes Paddock's roles as native RBAC objects for the impersonated
// identities, and get, watch, logs, exec and port-forward are all decided by
// Kubernetes itself. The admin credential's only role is to impersonate.
// This is the design of Pinniped's impersonation proxy and Teleport's kube
// proxy: a front door that authenticates, never a second authorizer.
//
// Streaming is transparent: responses are flushed as soon as bytes arrive
// (watch events, logs -f) and copied, never buffered (a LIST of thousands of
// objects). Upgrade requests (exec, attach, port-forward; SPDY and
// WebSocket alike) are dialed with [Backend].UpgradeTransport and spliced
// byte for byte by apimachinery's UpgradeAwareHandler. Request bodies are
// limited to [Options].MaxBodyBytes, upgrade streams are not.
//
// Every error Paddock itself produces is a metav1.Status (kind Status,
// apiVersion v1), so kubectl prints it like an apiserver error.
package proxy
