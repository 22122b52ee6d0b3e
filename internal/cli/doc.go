// Package cli is the logic of the command-line sign-in: `paddock login`
// pins the server's CA, signs in with a password, keeps the session under
// a config folder and writes kubeconfig contexts whose user runs
// `paddock credential`, a client-go exec credential plugin. The plugin
// turns the session into a short-lived API token, cached and shared by
// concurrent kubectl processes, so no long-lived secret sits in a
// kubeconfig.
//
// The config folder (default ~/.paddock, mode 0700) holds, per server
// (keyed host_port):
//
//	ca/<host_port>.pem         the pinned CA
//	sessions/<host_port>.json  server, provider, username, session token, expiry
//	cache/<host_port>.json     the current short-lived kubectl token
//
// Every file is written with mode 0600.
package cli
