package awsemu

// STS: GetCallerIdentity, the call every EKS token is a presigned form of.

var stsOps = map[string]queryOp{
	"GetCallerIdentity": stsGetCallerIdentity,
}

type callerIdentity struct {
	Arn     string `xml:"Arn" json:"Arn"`
	UserID  string `xml:"UserId" json:"UserId"`
	Account string `xml:"Account" json:"Account"`
}

func stsGetCallerIdentity(_ *Emulator, c *call) (any, *apiError) {
	return callerIdentity{Arn: c.cred.ARN, UserID: c.cred.UserID, Account: c.cred.AccountID}, nil
}
