// The administration pages end to end in Chromium (driven by TestWebUIAdmin,
// against a real server and a real slapd): the LDAP provider configured
// through the UI and tested (success, then a wrong bind password named
// precisely), an LDAP user signing in on the login page, a local user
// created, reset, disabled (their open session stops at once), a user's
// effective access, and an API token shown once and revoked.
import assert from 'node:assert/strict'
import { request } from 'playwright-core'
import { env, launch, newPage, run, shot, signIn, step } from './lib.mjs'

const url = env('PADDOCK_URL')
const ldap = {
  url: env('LDAP_URL'), ca: env('LDAP_CA'), bindDN: env('LDAP_BIND_DN'), bindPassword: env('LDAP_BIND_PASSWORD'), suffix: env('LDAP_SUFFIX'),
}
const [dana, danaPassword] = [env('LDAP_USER'), env('LDAP_USER_PASSWORD')]
const browser = await launch()

/** status of GET /v1/me with a bearer token, from a client that holds no cookie. */
async function meWith(token) {
  const ctx = await request.newContext({ baseURL: url, ignoreHTTPSErrors: true })
  try {
    return (await ctx.get('/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status()
  } finally {
    await ctx.dispose()
  }
}

/** status of GET /v1/me from a page, with the session its browser holds. */
const fetchMe = (page) => page.evaluate(() => fetch('/v1/me', { credentials: 'same-origin' }).then((r) => r.status))

const testResult = (page) => page.locator('[data-testid=provider-test-result]')

await run(browser, async () => {
  const { page } = await newPage(browser)

  await step('admin opens the sign-in providers page', async () => {
    await signIn(page, url, 'admin', env('ADMIN_PASSWORD'))
    await page.locator('[data-testid=current-user]').waitFor()
    await page.click('nav >> text=Sign-in providers')
    await page.locator('[data-testid=providers-list] >> text=Paddock accounts').waitFor()
    await shot(page, '01-providers-empty')
  })

  await step('admin configures LDAP through the form, saves it disabled and the test passes', async () => {
    await page.click('button:has-text("Add provider")')
    await page.click('[data-testid=add-provider-ldap]')
    await page.fill('input[name=provider-display-name]', 'Bureau directory')
    await page.fill('input[name=setting-url]', ldap.url)
    await page.check('input[name=setting-startTLS]')
    await page.fill('textarea[name=setting-caPEM]', ldap.ca)
    await page.fill('input[name=setting-bindDN]', ldap.bindDN)
    await page.fill('input[name=setting-bindPassword]', ldap.bindPassword)
    await page.fill('input[name=setting-userSearchBase]', `ou=people,${ldap.suffix}`)
    assert.equal(await page.inputValue('input[name=setting-userFilter]'), '(uid={username})')
    await page.fill('input[name=setting-groupSearchBase]', `ou=groups,${ldap.suffix}`)
    await page.fill('input[name=setting-groupFilter]', '(member={dn})')
    assert.equal(await page.isChecked('input[name=provider-enabled]'), false)
    await shot(page, '02-provider-form')
    await page.click('[data-testid=provider-save]')
    await page.locator('[data-testid=provider-saved] >> text=disabled').waitFor()
    // The secret is write-only: "set", and the field is empty again.
    await page.locator('[data-testid=secret-set-bindPassword]').waitFor()
    assert.equal(await page.inputValue('input[name=setting-bindPassword]'), '')
    assert.equal(await page.isDisabled('input[name=provider-name]'), true)
    await page.fill('input[name=test-username]', dana)
    await page.fill('input[name=test-password]', danaPassword)
    await page.click('[data-testid=provider-test-run]')
    const ok = await testResult(page).innerText()
    assert.match(ok, /Test passed: connection and sign-in OK\. Signed in as dana \(groups: devs\)/)
    await testResult(page).scrollIntoViewIfNeeded()
    await shot(page, '03-provider-test-passed')
  })

  await step('a wrong bind password: the test names the precise error', async () => {
    await page.fill('input[name=setting-bindPassword]', 'not-the-password')
    await page.locator('text=You have unsaved changes').waitFor()
    await page.click('[data-testid=provider-save]')
    await page.locator('[data-testid=provider-saved]').waitFor()
    await page.fill('input[name=test-username]', '')
    await page.click('[data-testid=provider-test-run]')
    const bad = await testResult(page).innerText()
    assert.match(bad, /Test failed at connection:\s+✗ connection: .*service bind refused \(bad bindDN or password\).*Invalid Credentials/)
    assert.equal(await testResult(page).getAttribute('class'), 'alert error')
    await testResult(page).scrollIntoViewIfNeeded()
    await shot(page, '04-provider-test-bind-error')
  })

  await step('admin fixes the password and enables the provider', async () => {
    await page.fill('input[name=setting-bindPassword]', ldap.bindPassword)
    await page.check('input[name=provider-enabled]')
    await page.click('[data-testid=provider-save]')
    await page.locator('[data-testid=provider-saved] >> text=(enabled)').waitFor()
    await page.click('[data-testid=provider-test-run]')
    await testResult(page).locator('text=Test passed').waitFor()
    await page.click('button:has-text("Back to providers")')
    const row = page.locator('[data-testid=providers-list] [data-row=ldap]')
    await row.locator('text=enabled').waitFor()
    assert.match(await row.innerText(), /Bureau directory/)
    await shot(page, '05-providers-list')
  })

  const { page: danaPage } = await newPage(browser)
  await step('an LDAP user signs in through the login page', async () => {
    await danaPage.goto(url + '/')
    await danaPage.selectOption('select[aria-label="Sign in with"]', { label: 'Bureau directory' })
    await danaPage.fill('input[name=username]', dana)
    await danaPage.fill('input[name=password]', 'wrong-password')
    await danaPage.click('button[type=submit]')
    await danaPage.locator('[role=alert]').waitFor()
    await shot(danaPage, '06-login-with-ldap')
    await danaPage.fill('input[name=password]', danaPassword)
    await danaPage.click('button[type=submit]')
    await danaPage.locator('[data-testid=current-user] >> text=Dana Scully').waitFor()
  })

  const [casey, caseyTemp, caseyReset] = ['casey', 'casey-temporary-1', 'casey-reset-pass-1']
  await step('admin creates a local user', async () => {
    await page.click('nav >> text=Users')
    await page.locator('[data-testid=users-table] [data-row=admin]').waitFor()
    await page.click('button:has-text("Create user")')
    await page.fill('input[name=new-username]', casey)
    await page.fill('input[name=new-display-name]', 'Casey Jones')
    await page.fill('input[name=new-password]', caseyTemp)
    await page.fill('input[name=new-password-confirm]', caseyTemp)
    assert.equal(await page.isChecked('input[name=must-change]'), true)
    await shot(page, '07-create-user')
    await page.click('[data-testid=create-user-submit]')
    await page.locator('[data-testid=users-notice] >> text=Created casey').waitFor()
    const row = page.locator(`[data-testid=users-table] [data-row=${casey}]`)
    assert.match(await row.innerText(), /Casey Jones[\s\S]*password change due/)
    await page.fill('input[aria-label="Search users"]', 'cas')
    await page.locator('[data-testid=user-count] >> text=1 user matching').waitFor()
    await shot(page, '08-users-search')
    await page.fill('input[aria-label="Search users"]', '')
    await page.locator(`[data-testid=users-table] [data-row=${dana}]`).waitFor()
    await shot(page, '08-users')
  })

  await step('admin resets their password (temporary, tokens revoked)', async () => {
    await page.click(`button[aria-label="Reset password of ${casey}"]`)
    await page.locator('.modal >> text=must choose their own').waitFor()
    await page.fill('input[name=reset-password]', caseyReset)
    await shot(page, '09-reset-password')
    await page.click('[data-testid=reset-submit]')
    await page.locator('[data-testid=reset-done]').waitFor()
    await page.click('.modal button:has-text("Done")')
  })

  const { page: caseyPage } = await newPage(browser)
  await step('the local user signs in with the reset password and must choose a new one', async () => {
    await signIn(caseyPage, url, casey, caseyReset)
    await caseyPage.locator('text=Choose a new password before you continue').waitFor()
    assert.equal(await fetchMe(caseyPage), 200)
  })

  await step('disabling them warns that every session ends, and their open session stops at once', async () => {
    await page.click(`button[aria-label="Disable ${casey}"]`)
    const warning = await page.locator('[data-testid=disable-warning]').innerText()
    assert.match(warning, /signed out everywhere at once/)
    assert.match(warning, /every browser session and every API token of theirs stops working immediately/)
    await shot(page, '10-disable-user')
    await page.click('.modal button:has-text("Disable user")')
    await page.locator(`[data-testid=users-table] [data-row=${casey}] >> text=disabled`).waitFor()
    // Their open session ends: on this server at once (the token cache is
    // emptied before the answer leaves); allow the 2 s cache of a replica.
    let status = 0
    for (const t0 = Date.now(); Date.now() - t0 < 3000; await caseyPage.waitForTimeout(100)) {
      if ((status = await fetchMe(caseyPage)) === 401) break
    }
    assert.equal(status, 401)
    await caseyPage.reload()
    await caseyPage.locator('input[name=username]').waitFor()
  })

  await step("admin views the LDAP user's effective access and through which group", async () => {
    await page.click(`button[aria-label="Access of ${dana}"]`)
    const table = page.locator('[data-testid=access-table]')
    await table.waitFor()
    const text = await table.innerText()
    assert.match(text, /lab\s+project x-files\s+project-member\s+group ldap:devs/)
    assert.match(text, /admin/) // granted by
    assert.match(await page.locator('[data-testid=user-groups]').innerText(), /ldap:devs/)
    await shot(page, '11-effective-access')
    await page.click('.modal button:has-text("Close")')
    await page.click('button[aria-label="Access of admin"]')
    await page.locator('[data-testid=access-everywhere] >> text=global role admin').waitFor()
    await page.click('.modal button:has-text("Close")')
  })

  await step('a user creates an API token, shown once, and revokes it', async () => {
    await danaPage.click('nav >> text=API tokens')
    await danaPage.locator('[data-testid=sessions] >> text=this browser').waitFor()
    await danaPage.click('button:has-text("Create token")')
    await danaPage.fill('input[name=token-description]', 'ci deploys')
    await danaPage.selectOption('select[name=token-ttl]', '168h')
    await danaPage.click('[data-testid=create-token-submit]')
    const secret = (await danaPage.locator('[data-testid=new-token]').innerText()).trim()
    assert.match(secret, /^pdk_\S{20,}$/)
    assert.match(await danaPage.locator('.modal').innerText(), /only time it is shown/)
    await shot(danaPage, '12-token-shown-once')
    assert.equal(await meWith(secret), 200)
    await danaPage.click('.modal button:has-text("I have copied it")')
    const row = danaPage.locator('[data-testid=api-tokens] tr:has-text("ci deploys")')
    await row.waitFor()
    assert.match(await row.innerText(), /in 7 days/)
    assert.ok(!(await danaPage.content()).includes(secret), 'the secret is still in the page')
    await shot(danaPage, '13-tokens')
    await danaPage.click('button[aria-label="Revoke ci deploys"]')
    await danaPage.locator('.modal >> text=cannot be undone').waitFor()
    await danaPage.click('.modal button:has-text("Revoke token")')
    await row.waitFor({ state: 'detached' })
    assert.equal(await meWith(secret), 401)
    await shot(danaPage, '14-token-revoked')
  })
})
