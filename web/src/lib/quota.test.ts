import { describe, expect, it } from 'vitest'
import { parseQuota, quantity, quotaText, sumUsed } from './quota'

describe('quota', () => {
  it('parses and prints the form text', () => {
    expect(parseQuota('cpu=4, memory=8Gi\npods=100')).toEqual({ quota: { cpu: '4', memory: '8Gi', pods: '100' } })
    expect(parseQuota('cpu: 4').error).toMatch(/resource=quantity/)
    expect(quotaText({ cpu: '4', pods: '10' })).toBe('cpu=4, pods=10')
  })
  it('sums usage across namespaces', () => {
    expect(quantity('500m')).toBe(0.5)
    expect(quantity('1Gi')).toBe(2 ** 30)
    expect(sumUsed([{ status: { used: { 'requests.cpu': '500m', pods: '2' } } }, { status: { used: { cpu: '1', pods: '1' } } }])).toEqual({ cpu: 1.5, pods: 3 })
  })
})
