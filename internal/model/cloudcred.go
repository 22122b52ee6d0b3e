package model

import "time"

// Cloud providers a credential can be for.
const CloudAWS = "aws"

// CloudCredential is a user's key to a cloud account, used by provisioners
// (eks) to create clusters there. The access key ID is stored in the clear
// (shown masked); the secret part is a CloudSecret, kept sealed by the
// store and never returned by the API.
type CloudCredential struct {
	ID       string
	Name     string // unique per owner (case-insensitive)
	Provider string // CloudAWS
	// OwnerID is the user who created it: only they (and admins) see or
	// use it.
	OwnerID       string
	AccessKeyID   string
	DefaultRegion string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// CloudSecret is the secret part of a cloud credential.
type CloudSecret struct {
	SecretAccessKey string `json:"secretAccessKey"`
	// SessionToken is set for temporary credentials.
	SessionToken string `json:"sessionToken,omitempty"`
}

// MaskedKey shows the access key ID as "AKIA…WXYZ": enough to tell keys
// apart, not the whole key.
func (c *CloudCredential) MaskedKey() string {
	k := c.AccessKeyID
	if len(k) <= 8 {
		return "…"
	}
	return k[:4] + "…" + k[len(k)-4:]
}

// UsableBy reports whether a user may see and use the credential: its
// owner and administrators only (knowing the id is not enough).
func (c *CloudCredential) UsableBy(userID string, admin bool) bool {
	return admin || (userID != "" && c.OwnerID == userID)
}

// AWSRegions are the AWS commercial regions a credential's default region
// and an eks cluster's region may name.
var AWSRegions = []string{
	"af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
	"ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
	"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

// ValidAWSRegion reports whether r is one of AWSRegions.
func ValidAWSRegion(r string) bool {
	for _, x := range AWSRegions {
		if x == r {
			return true
		}
	}
	return false
}
