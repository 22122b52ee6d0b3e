import { describe, expect, it } from 'vitest'
import { relative } from './when'

describe('relative times', () => {
  it('says times relative to now', () => {
    const now = Date.parse('2025-01-10T12:00:00Z')
    expect(relative('2025-01-10T11:59:30Z', now)).toBe('just now')
    expect(relative('2025-01-10T10:00:00Z', now)).toBe('2 hours ago')
    expect(relative('2025-01-13T12:00:00Z', now)).toBe('in 3 days')
    expect(relative('2025-02-20T12:00:00Z', now)).toBe('in 1 month')
    expect(relative(undefined, now)).toBe('')
  })
})
