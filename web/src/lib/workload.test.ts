import { describe, expect, it } from 'vitest'
import { emptyForm, objects, splitArgs, validate } from './workload'
import { RingLog } from './ringlog'

describe('workload form', () => {
  it('validates names, images, ports and quantities', () => {
    const f = { ...emptyForm(), name: 'Web_1', image: 'ng inx', replicas: -1, requestsCpu: 'lots', ports: [{ port: 0, protocol: 'TCP' as const }] }
    const e = validate(f)
    expect(Object.keys(e).sort()).toEqual(['image', 'name', 'ports.0', 'replicas', 'requestsCpu'])
    expect(validate({ ...emptyForm(), name: 'web', image: 'nginx', serviceType: 'ClusterIP' })).toEqual({
      serviceType: 'a Service needs at least one container port',
    })
  })

  it('builds a Deployment and a Service', () => {
    const f = {
      ...emptyForm('team'),
      name: 'web',
      image: 'nginx:1.27',
      replicas: 2,
      ports: [{ port: 80, protocol: 'TCP' as const }],
      serviceType: 'NodePort' as const,
      env: [
        { name: 'MODE', source: 'value' as const, value: 'prod', key: '' },
        { name: 'PASS', source: 'secret' as const, value: 'db', key: 'password' },
      ],
      command: 'nginx -g "daemon off;"',
      limitsMemory: '256Mi',
    }
    expect(validate(f)).toEqual({})
    const [dep, svc] = objects(f)
    const c = (dep.spec as any).template.spec.containers[0]
    expect(c.command).toEqual(['nginx', '-g', 'daemon off;'])
    expect(c.env[1]).toEqual({ name: 'PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } })
    expect(c.resources).toEqual({ limits: { memory: '256Mi' } })
    expect((svc.spec as any).type).toBe('NodePort')
    expect((svc.spec as any).selector).toEqual({ 'app.kubernetes.io/name': 'web' })
    expect(objects({ ...f, serviceType: '' })).toHaveLength(1)
  })

  it('splits arguments with quotes', () => {
    expect(splitArgs(`sh -c 'echo "hi there"' ""`)).toEqual(['sh', '-c', 'echo "hi there"', ''])
  })
})

describe('RingLog', () => {
  it('keeps the newest lines within its cap', () => {
    const r = new RingLog(3)
    for (let i = 1; i <= 7; i++) r.push(String(i))
    expect(r.toArray()).toEqual(['5', '6', '7'])
    expect(r.dropped).toBe(4)
    expect(r.at(0)).toBe('5')
  })
})
