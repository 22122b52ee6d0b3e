import { describe, expect, it } from 'vitest'
import {
  edit, formFrom, humanDuration, parseDuration, patchBody, plausibleImage, reset, serverErrors, validate, type SettingsView,
} from './settings'

const view: SettingsView = {
  revision: 3,
  sessionTTL: '12h',
  tokenDefaultTTL: { value: '720h', source: 'flag', default: '720h', flag: '--token-default-ttl', min: '1m', max: '43800h' },
  tokenMaxTTL: { value: '2160h', source: 'set', default: '8760h', flag: '--token-max-ttl', min: '1m', max: '43800h' },
  groupRefreshInterval: { value: '1h', source: 'flag', default: '1h', flag: '--group-refresh-interval', min: '1m', max: '168h' },
  sessionIdleTimeout: { value: '0s', source: 'flag', default: '0s', flag: '--session-idle-timeout', min: '5m', max: '12h', zeroDisables: true },
  agentImage: { value: 'paddockhq/paddock:latest', source: 'flag', default: 'paddockhq/paddock:latest', flag: '--agent-image' },
}

describe('settings form', () => {
  it('reads Go durations', () => {
    expect(parseDuration('720h')).toBe(720 * 3_600_000)
    expect(parseDuration('1h30m')).toBe(90 * 60_000)
    expect(parseDuration(' 1.5s ')).toBe(1500)
    expect(parseDuration('0')).toBe(0)
    expect(parseDuration('0s')).toBe(0)
    for (const bad of ['', '10', '-1h', '3 days', '1d', 'h']) expect(parseDuration(bad)).toBeNull()
    expect(humanDuration('720h')).toBe('30 days')
    expect(humanDuration('1h30m')).toBe('1 hour 30 minutes')
    expect(humanDuration('43800h')).toBe('5 years')
    expect(humanDuration('0s', true)).toBe('off')
  })
  it('knows image references', () => {
    expect(plausibleImage('paddockhq/paddock:latest')).toBe(true)
    expect(plausibleImage('registry.example.com:5000/team/paddock:v1.2@sha256:' + 'ab'.repeat(32))).toBe(true)
    for (const bad of ['', 'paddock latest', 'https://r/paddock', 'paddock:', 'r/Paddock']) expect(plausibleImage(bad)).toBe(false)
  })
  it('starts from the view and sends nothing when nothing changed', () => {
    const f = formFrom(view)
    expect(f.tokenMaxTTL).toEqual({ mode: 'set', value: '2160h' })
    expect(f.tokenDefaultTTL).toEqual({ mode: 'flag', value: '720h' })
    expect(validate(f, view)).toEqual({})
    expect(patchBody(f, view)).toEqual({})
    // The same length written differently is no change.
    expect(patchBody({ ...f, tokenMaxTTL: edit('129600m') }, view)).toEqual({})
  })
  it('sends changes and resets', () => {
    const f = formFrom(view)
    f.tokenMaxTTL = reset(view, 'tokenMaxTTL')
    f.sessionIdleTimeout = edit('30m')
    f.agentImage = edit(' example.com/paddock:v2 ')
    expect(f.tokenMaxTTL).toEqual({ mode: 'flag', value: '8760h' })
    expect(validate(f, view)).toEqual({})
    expect(patchBody(f, view)).toEqual({ tokenMaxTTL: '', sessionIdleTimeout: '30m', agentImage: 'example.com/paddock:v2' })
    // Typing the flag's value still sets it (it stays put if the flag changes).
    expect(patchBody({ ...formFrom(view), groupRefreshInterval: edit('1h') }, view)).toEqual({ groupRefreshInterval: '1h' })
  })
  it('checks bounds, zero and the default against the maximum', () => {
    const f = formFrom(view)
    expect(validate({ ...f, sessionIdleTimeout: edit('0s') }, view)).toEqual({})
    expect(validate({ ...f, sessionIdleTimeout: edit('1m') }, view).sessionIdleTimeout).toMatch(/5m to 12h, or 0s/)
    expect(validate({ ...f, sessionIdleTimeout: edit('13h') }, view).sessionIdleTimeout).toBeTruthy()
    expect(validate({ ...f, groupRefreshInterval: edit('0s') }, view).groupRefreshInterval).toMatch(/1m to 168h/)
    expect(validate({ ...f, tokenMaxTTL: edit('soon') }, view).tokenMaxTTL).toMatch(/duration/)
    expect(validate({ ...f, agentImage: edit('a b') }, view).agentImage).toBeTruthy()
    // Default above the maximum: the field being set carries the error.
    expect(Object.keys(validate({ ...f, tokenMaxTTL: edit('24h') }, view))).toEqual(['tokenMaxTTL'])
    expect(Object.keys(validate({ ...f, tokenDefaultTTL: edit('3000h') }, view))).toEqual(['tokenDefaultTTL'])
    // A reset maximum goes back to the flag's 8760h: a 3000h default is fine.
    expect(validate({ ...f, tokenMaxTTL: reset(view, 'tokenMaxTTL'), tokenDefaultTTL: edit('3000h') }, view)).toEqual({})
  })
  it('splits the server errors by field', () => {
    expect(serverErrors('tokenMaxTTL: 0s is outside 1m to 43800h; agentImage: "a b" is not an image; oops')).toEqual({
      fields: { tokenMaxTTL: '0s is outside 1m to 43800h', agentImage: '"a b" is not an image' },
      rest: 'oops',
    })
  })
})
