package eks

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Bounds of the waits.
const (
	clusterTimeout   = 30 * time.Minute // EKS takes 10-15 minutes to create a cluster
	nodeGroupTimeout = 25 * time.Minute
	deleteTimeout    = 30 * time.Minute
	agentTimeout     = 10 * time.Minute
	agentReconnect   = time.Minute // for an agent that registered before
	// consistencyTimeout bounds retries of errors due to AWS's eventual
	// consistency (a new IAM role not yet assumable, ENIs still released).
	consistencyTimeout = 5 * time.Minute
)

func (p *Provisioner) delays() (time.Duration, time.Duration) {
	first, most := p.Poll, p.MaxPoll
	if first <= 0 {
		first = 2 * time.Second
	}
	if most <= 0 {
		most = 15 * time.Second
	}
	return first, max(first, most)
}

// poll calls check until it reports done or fails, waiting between calls
// (doubling from Poll up to MaxPoll), for at most limit.
func (p *Provisioner) poll(ctx context.Context, limit time.Duration, what string, check func() (bool, error)) error {
	first, most := p.delays()
	return pollEvery(ctx, first, most, limit, what, check)
}

// pollEvery is poll with its own delays (from first, doubling up to most).
func pollEvery(ctx context.Context, first, most, limit time.Duration, what string, check func() (bool, error)) error {
	delay := first
	deadline := time.Now().Add(limit)
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not done after %s", what, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, most)
	}
}

// retry calls fn again while it fails with an error transient says will
// pass (AWS's eventual consistency), for at most limit; the last error is
// returned.
func (p *Provisioner) retry(ctx context.Context, limit time.Duration, transient func(error) bool, fn func() error) error {
	var last error
	err := p.poll(ctx, limit, "", func() (bool, error) {
		last = fn()
		if last != nil && transient(last) {
			return false, nil
		}
		return true, last
	})
	if last != nil {
		return last
	}
	return err
}

// roleNotReady is EKS refusing a role IAM has not propagated yet.
func roleNotReady(err error) bool {
	if code(err) != "InvalidParameterException" {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "role") && (strings.Contains(msg, "be assumed") ||
		strings.Contains(msg, "does not exist") || strings.Contains(msg, "not authorized to perform: sts:assumerole"))
}

// dependencyViolation is EC2 refusing to delete what something still
// uses (ENIs the deleted cluster releases late, say).
func dependencyViolation(err error) bool {
	return code(err) == "DependencyViolation"
}
