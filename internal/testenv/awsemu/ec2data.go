package awsemu

// Static EC2 facts: the availability zones of the emulated regions and the
// instance types nodegroups may use.

type zone struct{ name, id string }

var regionZones = map[string][]zone{
	"us-east-1":    {{"us-east-1a", "use1-az6"}, {"us-east-1b", "use1-az1"}, {"us-east-1c", "use1-az2"}, {"us-east-1d", "use1-az4"}, {"us-east-1f", "use1-az5"}},
	"us-east-2":    {{"us-east-2a", "use2-az1"}, {"us-east-2b", "use2-az2"}, {"us-east-2c", "use2-az3"}},
	"us-west-2":    {{"us-west-2a", "usw2-az2"}, {"us-west-2b", "usw2-az1"}, {"us-west-2c", "usw2-az3"}, {"us-west-2d", "usw2-az4"}},
	"eu-west-1":    {{"eu-west-1a", "euw1-az1"}, {"eu-west-1b", "euw1-az2"}, {"eu-west-1c", "euw1-az3"}},
	"eu-central-1": {{"eu-central-1a", "euc1-az2"}, {"eu-central-1b", "euc1-az3"}, {"eu-central-1c", "euc1-az1"}},
}

// instanceType is what a node of that type looks like: vCPUs, memory and
// the pod limit EKS's max-pods table gives it (VPC CNI, no prefix
// delegation).
type instanceType struct {
	vcpus   int
	memMiB  int
	maxPods int
	arch    string // "amd64" or "arm64"
}

var instanceTypes = map[string]instanceType{
	"t3.small":   {2, 2048, 11, "amd64"},
	"t3.medium":  {2, 4096, 17, "amd64"},
	"t3.large":   {2, 8192, 35, "amd64"},
	"t3.xlarge":  {4, 16384, 58, "amd64"},
	"t4g.medium": {2, 4096, 17, "arm64"},
	"m5.large":   {2, 8192, 29, "amd64"},
	"m5.xlarge":  {4, 16384, 58, "amd64"},
	"m6i.large":  {2, 8192, 29, "amd64"},
	"m6i.xlarge": {4, 16384, 58, "amd64"},
	"m7g.large":  {2, 8192, 29, "arm64"},
	"c5.large":   {2, 4096, 29, "amd64"},
	"c6i.large":  {2, 4096, 29, "amd64"},
	"r5.large":   {2, 16384, 29, "amd64"},
}
