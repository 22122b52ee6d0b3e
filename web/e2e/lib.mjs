// Shared helpers of the Playwright scripts (run by Go tests in test/e2e,
// which start the real server and clusters and pass them in the env).
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const env = (k) => {
  const v = process.env[k]
  if (v === undefined) throw new Error(`missing env ${k}`)
  return v
}

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  })
  return browser
}

export async function newPage(browser) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(20000)
  page.on('pageerror', (e) => console.log('  [page error]', e.message))
  page.on('console', (m) => m.type() === 'error' && console.log('  [console]', m.text()))
  return { context, page }
}

const dir = process.env.ARTIFACTS || '.cache/artifacts'
mkdirSync(dir, { recursive: true })
export const shot = (page, name) => page.screenshot({ path: join(dir, name + '.png'), fullPage: false })

let current = ''
/** step runs one named part of the scenario and reports it. */
export async function step(name, fn) {
  current = name
  const t0 = Date.now()
  await fn()
  console.log(`ok   ${name} (${Date.now() - t0} ms)`)
}

/** run executes the scenario; on failure it screenshots every open page and exits 1. */
export async function run(browser, scenario) {
  try {
    await scenario()
    await browser.close()
  } catch (e) {
    console.log(`FAIL ${current}: ${e.stack || e}`)
    let i = 0
    for (const ctx of browser.contexts()) for (const p of ctx.pages()) await shot(p, `failure-${i++}`).catch(() => {})
    await browser.close().catch(() => {})
    process.exit(1)
  }
}

export async function signIn(page, url, username, password) {
  await page.goto(url + '/')
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', password)
  await page.click('button[type=submit]')
}

export async function signOut(page) {
  await page.click('text=Sign out')
  await page.waitForSelector('input[name=username]')
}

/** termText is what an xterm.js terminal shows. */
export const termText = (page, testId) => page.locator(`[data-testid=${testId}] .xterm-rows`).innerText()

export async function waitText(page, testId, re, ms = 20000) {
  const deadline = Date.now() + ms
  let last = ''
  while (Date.now() < deadline) {
    last = await termText(page, testId).catch(() => '')
    if (re.test(last)) return last
    await page.waitForTimeout(200)
  }
  throw new Error(`terminal ${testId} never showed ${re}; it shows:\n${last}`)
}
