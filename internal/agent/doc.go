// Package agent owns the process that runs in (or beside) a downstream
// cluster: it pins the Paddock server's CA by checksum, exchanges its
// one-time registration token for an agent credential, holds the reverse
// tunnel, and forwards each request the server sends through the tunnel to
// its local kube-apiserver with its own credential, keeping the
// impersonation headers the server set. It serves nothing on the network:
// requests reach it only through its authenticated tunnel.
//
// The agent links none of the server's store, auth or API packages.
package agent
