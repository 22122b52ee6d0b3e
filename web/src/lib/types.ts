// Shapes of Paddock API objects the UI reads.

export interface User {
  id: string
  username: string
  displayName: string
  provider: string
  admin: boolean
  disabled: boolean
  mustChangePassword: boolean
  globalRoles: string[]
  groups: string[]
  providerGroups: string[]
  /** Global capabilities held (users-manage, auth-manage, roles-manage, audit-read, settings-manage, clusters-create, clusters-manage). */
  capabilities: string[]
}

export interface Cluster {
  id: string
  name: string
  description: string
  labels: Record<string, string> | null
  state: string
  stateReason?: string
  connectedVia: string
  kubernetesVersion: string
  nodeCount: number
  capacity: Record<string, string> | null
  lastSeen?: string
  createdAt: string
  /** The provider that created it (local, eks); set when reading one cluster. */
  provider?: string
}

export interface Registration {
  token: string
  manifestURL: string
  command: string
}

export interface ProviderSummary {
  name: string
  type: string
  displayName: string
  /** "password" (POST /v1/auth/login with provider) or "redirect". */
  login: 'password' | 'redirect'
}
