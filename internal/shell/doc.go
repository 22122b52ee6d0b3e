// Package shell owns the browser kubectl shell on the server side: a
// session per user and cluster, a small line-oriented front end (prompt,
// line editing, history, shell-like quoting without expansion) and each
// command run in a bubblewrap sandbox under its own pty. There is no shell
// binary: the first word must be kubectl (or k), helm when configured,
// clear, help or exit.
//
// Containment, per command (see [Session.bwrapArgs] and [Session.command]):
//
//   - Each session has a cgroup (v2 or v1, see cgroup.go) bounding memory,
//     processes and CPU; the sandbox joins it before its command runs.
//     Without one, prlimit bounds processes and address space lower.
//     kubectl's exec credential plugins are denied by a read-only kuberc.
//   - prlimit bounds file size, processes and core dumps; when the server
//     runs as root, setpriv drops to a uid of the session's own (one per
//     running session from Config.UIDBase), with no groups, no capabilities
//     in any set and no_new_privs, before bwrap starts — root running
//     bwrap --unshare-user would still be uid 0 on the host.
//   - bwrap unshares every namespace (user, mount, pid, net, ipc, uts,
//     cgroup), drops all capabilities, forbids nested user namespaces,
//     starts a new session (no TIOCSTI into our terminal) and dies with its
//     parent. The root is an empty read-only tmpfs holding only the kubectl
//     (and helm) binary, the server's CA, the session's kubeconfig
//     (read-only), /proc, a minimal /dev, a tmpfs /tmp and the session's
//     scratch folder as HOME. The environment is cleared. Nothing of the
//     host's filesystem — data dir, keys, other sessions, PATH plugins —
//     exists inside.
//   - The sandbox has its own, empty network namespace. Before the command
//     runs (bwrap --info-fd gives its pid, --block-fd holds it), the server
//     opens a listener on 127.0.0.1:6443 inside that namespace (setns on a
//     locked thread) and relays each connection to its own HTTPS listener.
//     kubectl reaches that and nothing else; TLS is end to end with the
//     server (its CA and a name its certificate covers).
//   - kubectl authenticates with a short-lived token minted for the session
//     (package api/shell revokes it when the session ends), so the cluster
//     sees the user, through the same proxy and authorization as their own
//     kubectl.
//
// The scratch folder (<ScratchRoot>/s-<random>/home, 0700, owned by the
// session uid) persists across the session's commands and is deleted with
// the session; a command is killed and the folder emptied when it grows
// past Config.MaxScratch or MaxFiles. The scratch root must be the
// server's own and private (see openScratchRoot). Sessions are capped per
// user and in all (Config.MaxPerUser, MaxSessions).
package shell
