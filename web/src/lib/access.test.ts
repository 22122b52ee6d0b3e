import { describe, expect, it } from 'vitest'
import { expiryFrom, parseRules, remaining, ruleText, rulesToText } from './access'

describe('access helpers', () => {
  it('turns hours into an expiry and back', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(expiryFrom(8, now)).toBe('2026-01-01T08:00:00Z')
    expect(expiryFrom('', now)).toBeUndefined()
    expect(remaining('2026-01-01T08:00:00Z', now)).toBe('8h 0m left')
    expect(remaining('2025-12-31T00:00:00Z', now)).toBe('expired')
  })
  it('parses the rules editor and reports bad lines', () => {
    const { rules, errors } = parseRules('get, list | core | pods, services\n# comment\nwatch | apps\n\ncreate | | x')
    expect(rules).toEqual([{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'services'] }])
    expect(errors).toEqual(['line 3: write "verbs | apiGroups | resources"', 'line 5: verbs, apiGroups and resources each need at least one entry'])
    expect(parseRules(rulesToText(rules)).rules).toEqual(rules)
    expect(ruleText(rules[0])).toBe('get,list pods,services in core')
  })
})
