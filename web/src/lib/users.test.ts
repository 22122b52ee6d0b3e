import { describe, expect, it } from 'vitest'
import { accessRows, emptyNewUser, generatePassword, newUserBody, passwordProblem, splitList, userGroups, validateNewUser, type UserAccess } from './users'

describe('user forms', () => {
  it('validates username, password, confirmation and groups', () => {
    const e = validateNewUser({ ...emptyNewUser(), username: '-bad', password: 'short', groups: 'ok ldap:devs' })
    expect(Object.keys(e).sort()).toEqual(['groups', 'password', 'username'])
    expect(e.groups).toMatch(/provider/)
    expect(validateNewUser({ ...emptyNewUser(), username: 'casey', password: 'casey-password-1', confirm: 'other' })).toEqual({
      confirm: 'the two passwords differ',
    })
    expect(passwordProblem('Casey-Password-1', 'casey-password-1')).toBe('must not equal the username')
    expect(passwordProblem('x', 'twelve chars')).toBe('')
  })

  it('builds the create body without empty fields', () => {
    const body = newUserBody({ ...emptyNewUser(), username: 'casey', password: 'casey-password-1', confirm: 'casey-password-1', groups: 'sre, ops sre' })
    expect(body).toEqual({ username: 'casey', password: 'casey-password-1', displayName: undefined, admin: undefined,
      mustChangePassword: true, groups: ['sre', 'ops'], globalRoles: undefined })
    expect(splitList(' a,,b  c ')).toEqual(['a', 'b', 'c'])
  })

  it('generates passwords that pass the policy', () => {
    const p = generatePassword(() => new Uint8Array(20).map((_, i) => i * 13))
    expect(p).toHaveLength(20)
    expect(passwordProblem('casey', p)).toBe('')
  })
})

describe('effective access', () => {
  const b = (id: string, kind: 'User' | 'Group', name: string) => ({ id, subject: { kind, name }, roleTemplate: 'x', cluster: 'c', createdBy: 'admin', createdAt: '' })
  it('flattens clusters and projects into rows saying through what', () => {
    const a = {
      capabilities: [],
      clusters: [
        { id: 'c1', name: 'alpha', roles: [{ roleTemplate: 'cluster-member', through: 'user', binding: b('b1', 'User', 'dana') }], projects: [] },
        { id: 'c2', name: 'beta', roles: [], projects: [{ id: 'p', name: 'web', roles: [{ roleTemplate: 'project-member', through: 'group', group: 'ldap:devs', binding: b('b2', 'Group', 'ldap:devs') }] }] },
      ],
    } as unknown as UserAccess
    expect(accessRows(a).map((r) => [r.cluster, r.project, r.role, r.via])).toEqual([
      ['alpha', '', 'cluster-member', 'directly'],
      ['beta', 'web', 'project-member', 'group ldap:devs'],
    ])
    expect(userGroups({ groups: ['sre'], providerGroups: ['ldap:devs'] })).toEqual([
      { name: 'sre', source: 'local' },
      { name: 'ldap:devs', source: 'provider ldap' },
    ])
  })
})
