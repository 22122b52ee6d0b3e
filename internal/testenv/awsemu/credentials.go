package awsemu

import (
	"fmt"
	"regexp"
	"strings"
)

// Credential is an access key the emulator accepts, and the principal it
// belongs to. Requests signed with it act as ARN in account AccountID.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken, when set, must come with every request
	// (X-Amz-Security-Token), as with temporary credentials.
	SessionToken string
	// AccountID is the 12-digit account that owns what the principal
	// creates.
	AccountID string
	// ARN is the principal, as sts:GetCallerIdentity returns it:
	// "arn:aws:iam::123456789012:user/alice" or
	// "arn:aws:sts::123456789012:assumed-role/Admin/session".
	ARN string
	// UserID is GetCallerIdentity's UserId; derived when empty ("AIDA…"
	// for users, "AROA…:session" for assumed roles).
	UserID string
}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	userARNRE = regexp.MustCompile(`^arn:aws:iam::(\d{12}):user/([\w+=,.@/-]+)$`)
	roleARNRE = regexp.MustCompile(`^arn:aws:sts::(\d{12}):assumed-role/([\w+=,.@-]+)/([\w+=,.@-]+)$`)
	rootARNRE = regexp.MustCompile(`^arn:aws:iam::(\d{12}):root$`)
)

// AddCredential registers a credential; later requests signed with it are
// accepted. It replaces an earlier credential with the same access key ID.
// The ARN must be an IAM user, an assumed-role session or an account root
// of AccountID.
func (e *Emulator) AddCredential(c Credential) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return fmt.Errorf("awsemu: a credential needs an access key ID and a secret")
	}
	if !accountRE.MatchString(c.AccountID) {
		return fmt.Errorf("awsemu: account ID %q is not 12 digits", c.AccountID)
	}
	var acct string
	switch {
	case userARNRE.MatchString(c.ARN):
		acct = userARNRE.FindStringSubmatch(c.ARN)[1]
		if c.UserID == "" {
			c.UserID = uniqueID("AIDA")
		}
	case roleARNRE.MatchString(c.ARN):
		m := roleARNRE.FindStringSubmatch(c.ARN)
		acct = m[1]
		if c.UserID == "" {
			c.UserID = uniqueID("AROA") + ":" + m[3]
		}
	case rootARNRE.MatchString(c.ARN):
		acct = rootARNRE.FindStringSubmatch(c.ARN)[1]
		if c.UserID == "" {
			c.UserID = c.AccountID
		}
	default:
		return fmt.Errorf("awsemu: ARN %q is not an IAM user, assumed role or root ARN", c.ARN)
	}
	if acct != c.AccountID {
		return fmt.Errorf("awsemu: ARN %q is not in account %s", c.ARN, c.AccountID)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.creds[c.AccessKeyID] = c
	return nil
}

// NewCredential registers and returns a new long-term credential (random
// "AKIA…" key, no session token) of the IAM user name in accountID.
func (e *Emulator) NewCredential(accountID, userName string) (Credential, error) {
	c := Credential{
		AccessKeyID:     uniqueID("AKIA")[:20],
		SecretAccessKey: randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
		AccountID:       accountID,
		ARN:             fmt.Sprintf("arn:aws:iam::%s:user/%s", accountID, userName),
	}
	return c, e.AddCredential(c)
}

func (e *Emulator) credential(accessKeyID string) (Credential, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.creds[accessKeyID]
	return c, ok
}

// canonicalARN is the IAM form of a principal, as EKS access entries and
// aws-iam-authenticator match it: an assumed-role session becomes its role.
func canonicalARN(arn string) string {
	if m := roleARNRE.FindStringSubmatch(arn); m != nil {
		return fmt.Sprintf("arn:aws:iam::%s:role/%s", m[1], m[2])
	}
	return arn
}

// sessionName returns the session of an assumed-role ARN, "" otherwise.
func sessionName(arn string) string {
	if m := roleARNRE.FindStringSubmatch(arn); m != nil {
		return m[3]
	}
	return ""
}

// principalID is the unique ID part of a UserID ("AROA…" of
// "AROA…:session").
func principalID(userID string) string {
	id, _, _ := strings.Cut(userID, ":")
	return id
}
