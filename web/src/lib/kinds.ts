// The resource types the explorer lists by name in its navigation; any
// other type (CRDs included) is reachable through "All resources".

export interface Kind {
  title: string
  kind: string
  group: string // "core" for the legacy group in URLs
  version: string
  resource: string
  namespaced: boolean
  section: 'Workloads' | 'Network' | 'Config' | 'Cluster'
  workload?: boolean
}

export const KINDS: Kind[] = [
  { title: 'Deployments', kind: 'Deployment', group: 'apps', version: 'v1', resource: 'deployments', namespaced: true, section: 'Workloads', workload: true },
  { title: 'StatefulSets', kind: 'StatefulSet', group: 'apps', version: 'v1', resource: 'statefulsets', namespaced: true, section: 'Workloads', workload: true },
  { title: 'DaemonSets', kind: 'DaemonSet', group: 'apps', version: 'v1', resource: 'daemonsets', namespaced: true, section: 'Workloads', workload: true },
  { title: 'Jobs', kind: 'Job', group: 'batch', version: 'v1', resource: 'jobs', namespaced: true, section: 'Workloads' },
  { title: 'CronJobs', kind: 'CronJob', group: 'batch', version: 'v1', resource: 'cronjobs', namespaced: true, section: 'Workloads' },
  { title: 'Pods', kind: 'Pod', group: 'core', version: 'v1', resource: 'pods', namespaced: true, section: 'Workloads' },
  { title: 'Services', kind: 'Service', group: 'core', version: 'v1', resource: 'services', namespaced: true, section: 'Network' },
  { title: 'Ingresses', kind: 'Ingress', group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', namespaced: true, section: 'Network' },
  { title: 'ConfigMaps', kind: 'ConfigMap', group: 'core', version: 'v1', resource: 'configmaps', namespaced: true, section: 'Config' },
  { title: 'Secrets', kind: 'Secret', group: 'core', version: 'v1', resource: 'secrets', namespaced: true, section: 'Config' },
  { title: 'Nodes', kind: 'Node', group: 'core', version: 'v1', resource: 'nodes', namespaced: false, section: 'Cluster' },
  { title: 'Namespaces', kind: 'Namespace', group: 'core', version: 'v1', resource: 'namespaces', namespaced: false, section: 'Cluster' },
  { title: 'Events', kind: 'Event', group: 'core', version: 'v1', resource: 'events', namespaced: true, section: 'Cluster' },
]

export const urlGroup = (g: string) => (g === '' ? 'core' : g)
export const apiGroup = (g: string) => (g === 'core' ? '' : g)

export const explorerPath = (cluster: string, group: string, version: string, resource: string, ns?: string) =>
  `/c/${encodeURIComponent(cluster)}/r/${urlGroup(group)}/${version}/${resource}${ns ? '?ns=' + encodeURIComponent(ns) : ''}`

export const detailPath = (cluster: string, group: string, version: string, resource: string, ns: string | undefined, name: string) =>
  `/c/${encodeURIComponent(cluster)}/o/${urlGroup(group)}/${version}/${resource}/${ns ? encodeURIComponent(ns) : '_'}/${encodeURIComponent(name)}`
