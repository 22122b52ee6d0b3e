// Web UI part 2 (access) end to end in Chromium (driven by TestWebUIAccess).
import assert from 'node:assert/strict'
import { env, launch, newPage, run, shot, signIn, signOut, step, waitText } from './lib.mjs'

const url = env('PADDOCK_URL')
const cluster = env('CLUSTER_ID')
const c = `/c/${cluster}`
const browser = await launch()

async function addMember(page, who, role, hours) {
  await page.click('button:has-text("Add member")')
  await page.fill('input[aria-label="Search users and groups"]', who)
  const option = page.locator('[data-testid=principal-option]', { hasText: who })
  if (await option.count().then((n) => n > 0, () => false)) await option.first().click()
  else {
    await page.waitForTimeout(500)
    if (await option.count()) await option.first().click()
    else await page.click(`text=Use group “${who}”`)
  }
  await page.selectOption('select[aria-label=Role]', role)
  if (hours) await page.fill('input[aria-label=Hours]', String(hours))
  await page.click('.modal footer button:has-text("Add")')
  await page.locator('.modal').waitFor({ state: 'detached' })
}

await run(browser, async () => {
  const { page: admin } = await newPage(browser)
  await signIn(admin, url, 'admin', env('ADMIN_PASSWORD'))
  await admin.locator(`[data-row="${cluster}"]`).waitFor()

  await step('admin grants group devs project-member on alpha for 8 hours', async () => {
    await admin.goto(url + `${c}/projects`)
    await admin.click('[data-testid=project-alpha]')
    await admin.locator('[data-testid=project-namespaces] >> text=alpha-1').waitFor()
    await addMember(admin, 'devs', 'project-member', 8)
    const row = admin.locator('[data-testid=project-members] [data-row="Group:devs"]')
    await row.waitFor()
    assert.match(await row.innerText(), /project-member/)
    assert.match(await row.innerText(), /7h 5\dm left|8h 0m left/)
    await shot(admin, '01-projects-members')
  })

  await step('a member of devs sees only alpha’s namespaces', async () => {
    const { page } = await newPage(browser)
    await signIn(page, url, 'gus', 'gus-password-1')
    await page.locator(`[data-row="${cluster}"]`).waitFor()
    await page.goto(url + `${c}/r/core/v1/pods`)
    await page.locator('[data-testid=ns-picker] option[value="alpha-1"]').waitFor({ state: 'attached' })
    assert.deepEqual(await page.locator('[data-testid=ns-picker] option').allInnerTexts(), ['All namespaces', 'alpha-1'])
    await shot(page, '02-group-member-namespaces')
    await signOut(page)
  })

  await step('a project owner adds and removes a member of their project and sees no other project', async () => {
    const { page } = await newPage(browser)
    await signIn(page, url, 'olga', 'olga-password-1')
    await page.locator(`[data-row="${cluster}"]`).waitFor()
    await page.goto(url + `${c}/projects`)
    await page.locator('[data-testid=project-alpha]').waitFor()
    assert.equal(await page.locator('[data-testid=project-beta]').count(), 0, 'olga must not see project beta')
    await page.click('[data-testid=project-alpha]')
    await addMember(page, 'lee', 'project-viewer')
    const row = page.locator('[data-testid=project-members] [data-row="User:lee"]')
    await row.waitFor()
    await shot(page, '03-owner-added-member')
    // Granting more than one holds is refused with the server's reason.
    await page.goto(url + `${c}/members`)
    await page.click('button:has-text("Add member")')
    await page.fill('input[aria-label="Search users and groups"]', 'lee')
    await page.locator('[data-testid=principal-option]', { hasText: 'lee' }).first().click()
    await page.selectOption('select[aria-label=Role]', 'cluster-owner')
    await page.click('.modal footer button:has-text("Add")')
    const refusal = await page.locator('.modal [role=alert]').innerText()
    assert.match(refusal, /./)
    await shot(page, '04-owner-refused')
    await page.click('.modal footer button:has-text("Cancel")')
    await page.goto(url + `${c}/projects`)
    await page.click('[data-testid=project-alpha]')
    await page.locator('[data-testid=project-members] [data-row="User:lee"] >> text=Remove').click()
    await page.click('.modal footer button:has-text("Remove")')
    await page.locator('[data-testid=project-members] [data-row="User:lee"]').waitFor({ state: 'detached' })
    await signOut(page)
  })

  await step('roles and access as data', async () => {
    await admin.goto(url + '/admin/roles')
    await admin.locator('[data-testid=template-project-member]').waitFor()
    await admin.click('button:has-text("New template")')
    await admin.fill('input[name=template-name]', 'log-reader')
    await admin.fill('textarea[name=rules]', 'get, list | core | pods, pods/log')
    await admin.click('.modal footer button:has-text("Save")')
    await admin.locator('[data-testid=template-log-reader]').waitFor()
    await shot(admin, '05-roles')
    await admin.goto(url + '/admin/access')
    await admin.locator('[data-testid=access-editor] .cm-content >> text=log-reader').waitFor()
    await admin.click('button:has-text("Dry run")')
    await admin.locator('[data-testid=access-dry-run] >> text=Nothing to change').waitFor()
    await admin.click('button:has-text("Ask")')
    await admin.locator('[data-testid=who-can] >> text=admin').first().waitFor()
    await shot(admin, '06-access-data')
  })

  await step('a kubectl shell session is recorded', async () => {
    await admin.goto(url + `${c}/shell`)
    await admin.locator('[data-testid=term-status] >> text=connected').waitFor()
    await admin.locator('[data-testid=shell-terminal]').click()
    await admin.keyboard.type('kubectl get ns\n')
    await waitText(admin, 'shell-terminal', /alpha-1/, 30000)
    await admin.keyboard.type('exit\n')
    await admin.waitForTimeout(500)
  })

  await step('the audit page shows the grants and replays the shell session', async () => {
    await admin.goto(url + '/admin/audit')
    await admin.fill('input[aria-label=Action]', 'binding.*')
    await admin.click('button:has-text("Filter")')
    const table = admin.locator('[data-testid=audit-table]')
    await table.locator('text=binding.create').first().waitFor()
    assert.match(await table.innerText(), /olga/)
    assert.match(await table.innerText(), /binding\.delete/)
    await shot(admin, '07-audit')
    await admin.click('button:has-text("Recorded sessions")')
    await admin.locator('[data-testid=recording-row] >> text=admin').first().waitFor()
    await admin.locator('[data-testid=recording-row] button:has-text("Replay")').first().click()
    await admin.locator('[data-testid=player] .xterm-rows >> text=alpha-1').waitFor({ timeout: 30000 })
    await shot(admin, '08-replay')
  })
})
