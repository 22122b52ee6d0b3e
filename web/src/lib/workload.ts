// The "run this container" form as data: validation and the Deployment
// (+ Service) it creates.
import type { KObject } from './kube'

export interface EnvVar {
  name: string
  source: 'value' | 'configmap' | 'secret'
  value: string // plain value, or the ConfigMap/Secret name
  key: string // key inside the ConfigMap/Secret
}

export interface PortSpec {
  port: number
  protocol: 'TCP' | 'UDP'
}

export interface WorkloadForm {
  name: string
  namespace: string
  image: string
  replicas: number
  ports: PortSpec[]
  serviceType: '' | 'ClusterIP' | 'NodePort' | 'LoadBalancer'
  env: EnvVar[]
  command: string
  args: string
  requestsCpu: string
  requestsMemory: string
  limitsCpu: string
  limitsMemory: string
}

export const emptyForm = (namespace = 'default'): WorkloadForm => ({
  name: '',
  namespace,
  image: '',
  replicas: 1,
  ports: [],
  serviceType: '',
  env: [],
  command: '',
  args: '',
  requestsCpu: '',
  requestsMemory: '',
  limitsCpu: '',
  limitsMemory: '',
})

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/
const ENVNAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/

/** validate returns field → message for every problem (empty when valid). */
export function validate(f: WorkloadForm): Record<string, string> {
  const e: Record<string, string> = {}
  if (!f.name) e.name = 'a name is required'
  else if (f.name.length > 63 || !DNS1123.test(f.name)) e.name = 'lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63'
  if (!f.namespace) e.namespace = 'pick a namespace'
  if (!f.image.trim()) e.image = 'an image is required, e.g. nginx:1.27'
  else if (/\s/.test(f.image.trim())) e.image = 'an image reference has no spaces'
  if (!Number.isInteger(f.replicas) || f.replicas < 0 || f.replicas > 1000) e.replicas = 'a whole number from 0 to 1000'
  f.ports.forEach((p, i) => {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) e[`ports.${i}`] = 'a port from 1 to 65535'
  })
  const seen = new Set<string>()
  f.ports.forEach((p, i) => {
    const k = `${p.port}/${p.protocol}`
    if (seen.has(k)) e[`ports.${i}`] = 'this port is listed twice'
    seen.add(k)
  })
  if (f.serviceType && f.ports.length === 0) e.serviceType = 'a Service needs at least one container port'
  f.env.forEach((v, i) => {
    if (!ENVNAME.test(v.name)) e[`env.${i}`] = 'a variable name: letters, digits, "_", "-", "." and not starting with a digit'
    else if (v.source !== 'value' && (!v.value || !v.key)) e[`env.${i}`] = `name the ${v.source === 'secret' ? 'Secret' : 'ConfigMap'} and its key`
  })
  for (const k of ['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory'] as const) {
    if (f[k] && !QUANTITY.test(f[k].trim())) e[k] = 'a Kubernetes quantity such as 250m, 0.5, 128Mi or 1Gi'
  }
  return e
}

/** splitArgs splits a command line with shell-like quotes (no expansion). */
export function splitArgs(s: string): string[] {
  const out: string[] = []
  let cur = ''
  let quote: '' | '"' | "'" = ''
  let has = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quote) {
      if (c === quote) quote = ''
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i]
      else cur += c
    } else if (c === '"' || c === "'") {
      quote = c
      has = true
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i]
      has = true
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur)
      cur = ''
      has = false
    } else cur += c
  }
  if (has || cur) out.push(cur)
  return out
}

function resources(f: WorkloadForm) {
  const req: Record<string, string> = {}
  const lim: Record<string, string> = {}
  if (f.requestsCpu) req.cpu = f.requestsCpu.trim()
  if (f.requestsMemory) req.memory = f.requestsMemory.trim()
  if (f.limitsCpu) lim.cpu = f.limitsCpu.trim()
  if (f.limitsMemory) lim.memory = f.limitsMemory.trim()
  const r: Record<string, unknown> = {}
  if (Object.keys(req).length) r.requests = req
  if (Object.keys(lim).length) r.limits = lim
  return Object.keys(r).length ? r : undefined
}

function envOf(v: EnvVar) {
  if (v.source === 'value') return { name: v.name, value: v.value }
  const ref = { name: v.value, key: v.key }
  return { name: v.name, valueFrom: v.source === 'secret' ? { secretKeyRef: ref } : { configMapKeyRef: ref } }
}

/** objects returns the Deployment and, when asked, the Service. */
export function objects(f: WorkloadForm): KObject[] {
  const labels = { 'app.kubernetes.io/name': f.name }
  const container: Record<string, unknown> = { name: f.name, image: f.image.trim() }
  const cmd = splitArgs(f.command)
  const args = splitArgs(f.args)
  if (cmd.length) container.command = cmd
  if (args.length) container.args = args
  if (f.ports.length) container.ports = f.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol }))
  if (f.env.length) container.env = f.env.map(envOf)
  const res = resources(f)
  if (res) container.resources = res
  const dep: KObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: f.name, namespace: f.namespace, labels },
    spec: {
      replicas: f.replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [container] } },
    },
  }
  if (!f.serviceType) return [dep]
  const svc: KObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: f.name, namespace: f.namespace, labels },
    spec: {
      type: f.serviceType,
      selector: labels,
      ports: f.ports.map((p) => ({ name: `${p.protocol.toLowerCase()}-${p.port}`, port: p.port, targetPort: p.port, protocol: p.protocol })),
    },
  }
  return [dep, svc]
}
