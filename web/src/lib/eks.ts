// Choices and defaults of the EKS provider's form. They mirror
// internal/provision/eks (params.go) and model.AWSRegions, which validate
// again on the server.

export const REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'ca-west-1', 'mx-central-1', 'sa-east-1',
  'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'il-central-1', 'me-central-1', 'me-south-1', 'af-south-1', 'ap-east-1', 'ap-northeast-1', 'ap-northeast-2',
  'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
  'ap-southeast-5', 'ap-southeast-7',
]
export const VERSIONS = ['1.33', '1.32', '1.31', '1.30']
export const INSTANCE_TYPES = [
  't3.medium', 't3.large', 't3.xlarge', 't3.2xlarge', 'm5.large', 'm5.xlarge', 'm5.2xlarge', 'm6i.large', 'm6i.xlarge',
  'm6i.2xlarge', 'm7i.large', 'm7i.xlarge', 'c5.large', 'c5.xlarge', 'c6i.large', 'c6i.xlarge', 'r5.large', 'r5.xlarge',
  'r6i.large', 'r6i.xlarge',
]
export const LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']

export interface EksForm {
  credentialID: string
  region: string
  kubernetesVersion: string
  createVPC: boolean
  cidr: string
  subnetIDs: string
  securityGroupIDs: string
  endpointPublicAccess: boolean
  endpointPrivateAccess: boolean
  clusterRoleARN: string
  nodeRoleARN: string
  logging: string[]
  groupName: string
  instanceType: string
  diskSize: number
  minSize: number
  maxSize: number
  desiredSize: number
}

export const defaultEks = (): EksForm => ({
  credentialID: '',
  region: '',
  kubernetesVersion: VERSIONS[0],
  createVPC: true,
  cidr: '10.0.0.0/16',
  subnetIDs: '',
  securityGroupIDs: '',
  endpointPublicAccess: true,
  endpointPrivateAccess: true,
  clusterRoleARN: '',
  nodeRoleARN: '',
  logging: ['api', 'audit'],
  groupName: 'default',
  instanceType: 't3.medium',
  diskSize: 20,
  minSize: 1,
  maxSize: 3,
  desiredSize: 2,
})

const list = (s: string) => s.split(/[\s,]+/).filter(Boolean)

export function validateEks(f: EksForm): Record<string, string> {
  const e: Record<string, string> = {}
  if (!f.credentialID) e.credentialID = 'pick or add a credential'
  if (f.createVPC && !/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/.test(f.cidr)) e.cidr = 'an IPv4 block from /16 to /24, e.g. 10.0.0.0/16'
  if (!f.createVPC) {
    if (list(f.subnetIDs).length < 2) e.subnetIDs = 'at least two subnets in different zones (subnet-…)'
    else if (list(f.subnetIDs).some((s) => !/^subnet-[0-9a-f]{8,17}$/.test(s))) e.subnetIDs = 'subnet IDs look like subnet-0abc12345'
    if (list(f.securityGroupIDs).some((s) => !/^sg-[0-9a-f]{8,17}$/.test(s))) e.securityGroupIDs = 'security group IDs look like sg-0abc12345'
  }
  if (!f.endpointPublicAccess && !f.endpointPrivateAccess) e.endpoint = 'the API endpoint needs public or private access'
  for (const k of ['clusterRoleARN', 'nodeRoleARN'] as const) {
    if (f[k] && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(f[k])) e[k] = 'an IAM role ARN, arn:aws:iam::123456789012:role/name'
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/.test(f.groupName)) e.groupName = 'letters, digits, "-" and "_"'
  if (!(f.minSize >= 0 && f.minSize <= f.desiredSize && f.desiredSize <= f.maxSize && f.maxSize >= 1 && f.maxSize <= 100)) {
    e.sizes = 'need 0 ≤ min ≤ desired ≤ max ≤ 100 and max ≥ 1'
  }
  if (!(f.diskSize >= 1 && f.diskSize <= 16384)) e.diskSize = 'GiB from 1 to 16384'
  return e
}

export function eksParams(f: EksForm) {
  return {
    provider: 'eks',
    credentialID: f.credentialID,
    region: f.region || undefined,
    kubernetesVersion: f.kubernetesVersion,
    networking: f.createVPC
      ? { createVPC: true, cidr: f.cidr }
      : { createVPC: false, subnetIDs: list(f.subnetIDs), securityGroupIDs: list(f.securityGroupIDs) },
    endpointPublicAccess: f.endpointPublicAccess,
    endpointPrivateAccess: f.endpointPrivateAccess,
    clusterRoleARN: f.clusterRoleARN || undefined,
    nodeRoleARN: f.nodeRoleARN || undefined,
    logging: f.logging,
    tags: {},
    nodeGroups: [
      { name: f.groupName, instanceType: f.instanceType, diskSize: f.diskSize, minSize: f.minSize, maxSize: f.maxSize, desiredSize: f.desiredSize },
    ],
  }
}
