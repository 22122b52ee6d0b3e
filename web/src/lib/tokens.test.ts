import { describe, expect, it } from 'vitest'
import { customTTL, relative, tokenBody, validateToken } from './tokens'

describe('token form', () => {
  it('reads custom lifetimes as Go durations', () => {
    expect(customTTL('90m')).toBe('90m')
    expect(customTTL('12h')).toBe('12h')
    expect(customTTL(' 10d ')).toBe('240h')
    expect(customTTL('2W')).toBe('336h')
    expect(customTTL('0d')).toBe('')
    expect(customTTL('soon')).toBe('')
  })
  it('validates and builds the body', () => {
    expect(Object.keys(validateToken({ description: '', ttl: 'custom', custom: 'x' })).sort()).toEqual(['custom', 'description'])
    expect(tokenBody({ description: ' ci ', ttl: '', custom: '' })).toEqual({ description: 'ci', ttl: undefined })
    expect(tokenBody({ description: 'ci', ttl: 'custom', custom: '3d' })).toEqual({ description: 'ci', ttl: '72h' })
    expect(tokenBody({ description: 'ci', ttl: '720h', custom: '3d' })).toEqual({ description: 'ci', ttl: '720h' })
  })
  it('says times relative to now', () => {
    const now = Date.parse('2025-01-10T12:00:00Z')
    expect(relative('2025-01-10T11:59:30Z', now)).toBe('just now')
    expect(relative('2025-01-10T10:00:00Z', now)).toBe('2 hours ago')
    expect(relative('2025-01-13T12:00:00Z', now)).toBe('in 3 days')
    expect(relative('2025-02-20T12:00:00Z', now)).toBe('in 1 month')
    expect(relative(undefined, now)).toBe('')
  })
})
