import { describe, expect, it } from 'vitest'
import { humanMemory, matchCluster } from './filter'
import type { Cluster } from './types'

const c = (name: string, labels: Record<string, string>) => ({ name, labels }) as unknown as Cluster

describe('matchCluster', () => {
  it('matches names, labels and key=value terms together', () => {
    const prod = c('prod-eu', { env: 'prod', region: 'eu' })
    expect(matchCluster(prod, 'prod')).toBe(true)
    expect(matchCluster(prod, 'env=prod region=eu')).toBe(true)
    expect(matchCluster(prod, 'env=staging')).toBe(false)
    expect(matchCluster(prod, 'region: eu')).toBe(true)
    expect(matchCluster(c('dev', {}), 'env:')).toBe(false)
    expect(matchCluster(c('dev', {}), '')).toBe(true)
  })
})

describe('humanMemory', () => {
  it('formats quantities', () => {
    expect(humanMemory('16331588Ki')).toBe('15.6 GiB')
    expect(humanMemory('512Mi')).toBe('512 MiB')
    expect(humanMemory('1000')).toBe('1000 B')
    expect(humanMemory('weird')).toBe('weird')
  })
})
