import { describe, expect, it } from 'vitest'
import { customTTL, tokenBody, validateToken } from './tokens'

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
})
