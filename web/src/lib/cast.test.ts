import { describe, expect, it } from 'vitest'
import { parseCast, upTo } from './cast'

describe('parseCast', () => {
  it('reads the header and events, skipping a torn line', () => {
    const c = parseCast('{"version":2,"width":100,"height":30}\n[0.5,"o","$ "]\n[1.25,"i","k"]\n[2,"r","120x40"]\n[3,"o","x')
    expect(c.width).toBe(100)
    expect(c.events.map((e) => e.code)).toEqual(['o', 'i', 'r'])
    expect(c.duration).toBe(2)
    expect(upTo(c, 1.3)).toBe(2)
  })
})
