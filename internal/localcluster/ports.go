package localcluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
)

// Port allocation.
//
// A child process needs its port on the command line, so the port must be
// chosen before the child binds it, and something else may take it in
// between. Two things narrow that window:
//
//   - Ports are drawn at random from below the kernel's ephemeral range
//     (ip_local_port_range, 32768-60999 by default). Binding :0, the usual
//     trick, hands out an ephemeral port, which is exactly the kind of port
//     the kernel also gives to every outgoing connection, e.g. the
//     apiserver's own connections to etcd while a second cluster is starting.
//   - A port handed out once is never handed out again by this process, so
//     concurrent clusters in one test binary cannot collide.
//
// Collisions with other processes (say, another package's tests running in
// parallel) remain possible; [Start] detects "address already in use" in a
// component's log and starts over on new ports.

const (
	portLow       = 20000 // first port tried, when below the ephemeral range
	defaultEphLow = 32768
)

var ports = struct {
	sync.Mutex
	used map[int]bool
}{used: map[int]bool{}}

// freePorts returns n distinct ports on 127.0.0.1 that were free a moment ago.
func freePorts(n int) ([]int, error) {
	out := make([]int, 0, n)
	for len(out) < n {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func freePort() (int, error) {
	ports.Lock()
	defer ports.Unlock()
	high := ephemeralLow()
	if high-portLow >= 1000 {
		for range 200 {
			p := portLow + rand.IntN(high-portLow)
			if ports.used[p] {
				continue
			}
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				continue
			}
			l.Close()
			ports.used[p] = true
			return p, nil
		}
	}
	// Odd port range configuration: fall back to letting the kernel choose.
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("localcluster: allocating a loopback port: %w", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !ports.used[p] {
			ports.used[p] = true
			return p, nil
		}
	}
	return 0, errors.New("localcluster: no free loopback port found")
}

// ephemeralLow returns the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return defaultEphLow
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(data), &lo, &hi); err != nil || lo <= 0 {
		return defaultEphLow
	}
	return lo
}

// errAddrInUse marks a start attempt that failed because a component could
// not bind its port; [Start] retries those on new ports.
var errAddrInUse = errors.New("address already in use")

// mentionsAddrInUse reports whether a component's log says it lost a port.
func mentionsAddrInUse(log string) bool {
	return strings.Contains(log, "address already in use")
}
