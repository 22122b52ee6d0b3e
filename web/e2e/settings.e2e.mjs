// Server settings page end to end in Chromium (driven by TestWebUISettings).
import assert from 'node:assert/strict'
import { env, launch, newPage, run, shot, signIn, step } from './lib.mjs'

const url = env('PADDOCK_URL')
const browser = await launch()
const card = (page, name) => page.locator(`[data-setting=${name}]`)
const input = (page, name) => card(page, name).locator('input')

await run(browser, async () => {
  const { page } = await newPage(browser)
  await signIn(page, url, 'admin', env('ADMIN_PASSWORD'))
  await page.locator('a[href="/admin/settings"]').waitFor()
  await page.goto(url + '/admin/settings')

  await step('every setting shows its value and that it is the server default', async () => {
    for (const name of ['tokenDefaultTTL', 'tokenMaxTTL', 'groupRefreshInterval', 'sessionIdleTimeout', 'agentImage']) {
      await card(page, name).locator('text=server default').first().waitFor()
    }
    assert.equal(await input(page, 'tokenMaxTTL').inputValue(), '8760h')
    assert.match(await card(page, 'sessionIdleTimeout').innerText(), /off/)
    await shot(page, '01-settings')
  })

  await step('a maximum below the default is refused before saving', async () => {
    await input(page, 'tokenMaxTTL').fill('12h')
    await card(page, 'tokenMaxTTL').locator('.field-error').waitFor()
    assert.ok(await page.locator('button.primary:has-text("Save")').isDisabled())
    await shot(page, '02-invalid')
  })

  await step('a new maximum and an idle timeout are saved and shown as set here', async () => {
    await input(page, 'tokenMaxTTL').fill('2160h')
    await input(page, 'sessionIdleTimeout').fill('30m')
    await page.click('button.primary:has-text("Save")')
    await page.locator('.badge:has-text("Saved")').waitFor()
    await card(page, 'tokenMaxTTL').locator('.badge:has-text("set here")').waitFor()
    await card(page, 'sessionIdleTimeout').locator('.badge:has-text("set here")').waitFor()
    assert.match(await card(page, 'tokenMaxTTL').innerText(), /90 days/)
    await shot(page, '03-saved')
  })

  await step('the maximum is reset to the server default', async () => {
    await card(page, 'tokenMaxTTL').locator('button:has-text("Reset to the server default")').click()
    await page.click('button.primary:has-text("Save")')
    await card(page, 'tokenMaxTTL').locator('.badge:has-text("server default")').waitFor()
    assert.equal(await input(page, 'tokenMaxTTL').inputValue(), '8760h')
    await shot(page, '04-reset')
  })
})
