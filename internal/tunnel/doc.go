// Package tunnel owns Paddock's reverse tunnel: the server side that accepts agent
// connections at /v1/connect and the client side that the agent runs inside a cluster
// behind NAT.
//
// The agent dials OUT over a websocket (wss://<server>/v1/connect), so only outbound
// HTTPS is needed and any proxy or load balancer that passes websockets passes the
// tunnel. On that single connection the two ends run hashicorp/yamux, the stream
// multiplexer proven in Consul, Nomad and Vault. The Paddock server is the yamux
// client and opens one stream per connection it needs into the cluster; the agent is
// the yamux server and serves every accepted stream as plain HTTP/1.1 with a normal
// http.Server, so keep-alive, streaming responses (watch, logs) and Hijack-based
// upgrades (exec, attach, port-forward) work unchanged. On the server side a stream is
// just a net.Conn, so an http.Transport uses the tunnel through its DialContext.
//
// yamux gives every stream its own flow-control window: a stalled reader fills only
// its own window (MaxStreamWindowSize, 1 MiB by default here) and never blocks the
// shared connection, and nothing in this package hands streams to a handler
// synchronously, so one slow consumer cannot stall the other streams of the tunnel
// (the head-of-line deadlock seen in rancher/remotedialer).
//
// The package deliberately imports no Paddock domain package: authentication is a
// callback (ServerOptions.Authenticate) and connection state is reported through
// OnConnect/OnDisconnect.
package tunnel
