import { describe, expect, it } from 'vitest'
import { emptyProviderForm, formFromView, providerBody, testSummary, toggleBody, TYPES, validateProvider, type ProviderView } from './providers'

const ldapForm = () => {
  const f = emptyProviderForm('ldap')
  Object.assign(f.values, {
    url: 'ldap://127.0.0.1:3890', startTLS: true, bindDN: 'cn=admin,dc=example,dc=org', bindPassword: 'secret',
    userSearchBase: 'ou=people,dc=example,dc=org', groupSearchBase: 'ou=groups,dc=example,dc=org', groupFilter: '(member={dn})',
  })
  return f
}

describe('provider forms', () => {
  it('every type explains every field', () => {
    for (const t of Object.values(TYPES)) for (const f of t.fields) expect(f.hint.length, `${t.type}.${f.key}`).toBeGreaterThan(10)
  })

  it('checks LDAP settings like the server', () => {
    expect(validateProvider(ldapForm())).toEqual({})
    const f = ldapForm()
    Object.assign(f.values, { url: 'ldap://ldap.example.org', startTLS: false, userFilter: '(uid=x)', groupSearchBase: '', timeoutSeconds: '900' })
    f.values.bindPassword = ''
    const e = validateProvider(f)
    expect(Object.keys(e).sort()).toEqual(['bindPassword', 'groupSearchBase', 'timeoutSeconds', 'url', 'userFilter'])
    expect(e.url).toMatch(/clear/)
    // A stored secret counts: the field may stay empty.
    expect(validateProvider({ ...ldapForm(), values: { ...ldapForm().values, bindPassword: '' }, secretsSet: { bindPassword: true } })).toEqual({})
    expect(validateProvider({ ...ldapForm(), values: { ...ldapForm().values, url: 'ldaps://h:636', startTLS: true } }).startTLS).toMatch(/already TLS/)
  })

  it('checks names, access lists and the other types', () => {
    expect(validateProvider({ ...ldapForm(), name: 'Bad Name' }).name).toBeTruthy()
    expect(validateProvider({ ...ldapForm(), accessMode: 'restricted' }).access).toMatch(/nobody/)
    const o = emptyProviderForm('oidc')
    Object.assign(o.values, { issuer: 'http://idp.example.org', clientID: 'x' })
    expect(validateProvider(o)).toEqual({ issuer: 'must use https (http only on localhost)' })
    const s = emptyProviderForm('saml')
    Object.assign(s.values, { idpMetadataURL: 'https://a', idpMetadataXML: '<x/>', spCertPEM: 'c', spKeyPEM: 'k' })
    expect(Object.keys(validateProvider(s))).toEqual(['idpMetadataXML'])
    const g = emptyProviderForm('github')
    expect(g.accessMode).toBe('restricted')
    Object.assign(g.values, { clientID: 'x', clientSecret: 'y' })
    expect(validateProvider({ ...g, allowedGroups: 'acme' })).toEqual({})
  })

  it('sends secrets only when typed, and settings by kind', () => {
    const f = { ...ldapForm(), enabled: true, displayName: 'Directory', values: { ...ldapForm().values, timeoutSeconds: '5', caPEM: 'PEM' } }
    const body = providerBody(f)
    expect(body).toMatchObject({ type: 'ldap', enabled: true, displayName: 'Directory', accessMode: 'all', bindPassword: 'secret', timeoutSeconds: 5, caPEM: 'PEM\n', startTLS: true })
    expect('poolSize' in body).toBe(false)
    expect('bindPassword' in providerBody({ ...f, values: { ...f.values, bindPassword: '' } })).toBe(false)
    const o = emptyProviderForm('oidc')
    Object.assign(o.values, { issuer: 'https://i', clientID: 'c', scopes: 'openid  groups,email' })
    expect(providerBody({ ...o, accessMode: 'restricted', allowedGroups: 'admins, devs' })).toMatchObject({ scopes: ['openid', 'groups', 'email'], allowedGroups: ['admins', 'devs'], allowedUsers: [] })
  })

  it('round-trips the admin view, and toggles without secrets', () => {
    const v: ProviderView = {
      name: 'corp', type: 'ldap', displayName: 'Corp', enabled: true, accessMode: 'restricted', allowedUsers: ['dana'], allowedGroups: ['devs'],
      settings: { url: 'ldaps://h:636', bindDN: 'cn=a', userSearchBase: 'o=x', userFilter: '(uid={username})', usernameAttribute: 'uid', poolSize: 8 },
      secrets: { bindPassword: 'set' }, updatedAt: '',
    }
    const f = formFromView(v)
    expect(f).toMatchObject({ isNew: false, name: 'corp', allowedUsers: 'dana', secretsSet: { bindPassword: true } })
    expect(f.values.poolSize).toBe('8')
    expect(f.values.bindPassword).toBe('')
    expect(validateProvider(f)).toEqual({})
    expect(providerBody(f)).toMatchObject({ poolSize: 8, url: 'ldaps://h:636', allowedGroups: ['devs'] })
    expect(toggleBody(v, false)).toEqual({ ...v.settings, type: 'ldap', displayName: 'Corp', enabled: false, accessMode: 'restricted', allowedUsers: ['dana'], allowedGroups: ['devs'] })
  })

  it('summarises test results with the precise error', () => {
    expect(testSummary({ ok: true, steps: [{ name: 'connection', ok: true }, { name: 'sign-in', ok: true }], username: 'dana', groups: ['devs'] }))
      .toBe('Test passed: connection and sign-in OK. Signed in as dana (groups: devs).')
    expect(testSummary({ ok: false, steps: [{ name: 'connection', ok: false, error: 'ldap: service bind: Invalid Credentials' }] }))
      .toBe('Test failed at connection:')
  })
})
