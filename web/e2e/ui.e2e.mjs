// The web UI, part 1, end to end in Chromium (driven by TestWebUI).
import assert from 'node:assert/strict'
import { env, launch, newPage, run, shot, signIn, signOut, step, waitText } from './lib.mjs'

const url = env('PADDOCK_URL')
const cluster = env('CLUSTER_ID')
const c = `/c/${cluster}`
const browser = await launch()

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: imported-config
data:
  greeting: hello
`
const badDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: imported-app
spec:
  replicas: 1
  template:
    metadata:
      labels: {app: imported-app}
    spec:
      containers: [{name: app, image: busybox}]
`
const goodDeployment = badDeployment.replace('  replicas: 1\n', '  replicas: 1\n  selector:\n    matchLabels: {app: imported-app}\n')
const upload = (page, text) =>
  page.setInputFiles('input[type=file]', { name: 'import.yaml', mimeType: 'text/yaml', buffer: Buffer.from(text) })

await run(browser, async () => {
  const { page, context } = await newPage(browser)

  await step('admin signs in and sees the demo cluster', async () => {
    await page.goto(url + '/')
    await shot(page, '01-sign-in')
    await signIn(page, url, 'admin', env('ADMIN_PASSWORD'))
    const row = page.locator(`[data-row="${cluster}"]`)
    await row.waitFor()
    await row.locator('text=active').waitFor()
    assert.match(await row.innerText(), /demo/)
    assert.match(await row.innerText(), /v1\.\d+/)
    await shot(page, '02-clusters')
  })

  await step('add cluster shows the import command', async () => {
    await page.click('text=Import existing')
    await page.fill('input[name=cluster-name]', 'edge-site')
    await page.click('button:has-text("Continue")')
    const cmd = await page.locator('[data-testid=import-command]').innerText()
    assert.match(cmd, /kubectl apply -f https:\/\/.*\/v1\/import\/.*\.yaml/)
    await page.locator('.modal >> text=pending').first().waitFor().catch(() => {})
    await shot(page, '03-add-cluster')
    await page.click('.modal footer button:has-text("Close")')
  })

  await step('the wizard creates a local cluster and shows its progress until active', async () => {
    await page.goto(url + '/clusters')
    await page.click('button:has-text("Create cluster")')
    await page.click('[data-testid=provider-local]')
    await page.click('button:has-text("Next")')
    await page.fill('input[name=cluster-name]', 'wizard')
    await page.fill('input[name=nodes]', '1')
    await page.click('button:has-text("Next")')
    assert.match(await page.locator('[data-testid=review]').innerText(), /"provider": "local"/)
    await shot(page, '04-create-review')
    await page.click('button:has-text("Create cluster")')
    await page.locator('[data-testid=progress-events] >> text=step 1/').waitFor()
    await page.locator('.modal button:has-text("Open cluster")').waitFor({ timeout: 90000 })
    await shot(page, '04-create-progress')
    await page.click('.modal button:has-text("Open cluster")')
    await page.locator('[data-testid=nav-cluster] >> text=wizard').waitFor()
    // Node pool scaling from the cluster's nodes page.
    const wizardId = new URL(page.url()).pathname.split('/')[2]
    await page.goto(url + `/c/${wizardId}/r/core/v1/nodes`)
    await page.locator('[data-testid=row-count] >> text=/^1 item$/').waitFor()
    await page.click('button:has-text("Scale node pool")')
    await page.fill('input[aria-label=Nodes]', '2')
    await page.click('.modal footer button:has-text("Scale to 2")')
    await page.locator('[data-testid=row-count] >> text=/^2 items$/').waitFor({ timeout: 60000 })
    await shot(page, '04-create-scaled')
    await page.goto(url + '/clusters')
    await page.click('button[aria-label="Delete wizard"]')
    await page.click('.modal button:has-text("Delete cluster")')
    await page.locator('[data-testid=clusters-table] >> text=wizard').waitFor({ state: 'detached', timeout: 60000 })
  })

  await step('deploy nginx with the form and see its pods run', async () => {
    await page.goto(url + `${c}/deploy?ns=default`)
    await page.fill('input[name=name]', 'web')
    await page.fill('input[name=image]', 'nginx:1.27')
    await page.fill('input[name=replicas]', '2')
    await page.click('text=Add port')
    await page.selectOption('select[name=serviceType]', 'ClusterIP')
    await page.locator('[data-testid=deploy-preview] >> text=kind: Service').waitFor()
    await shot(page, '04-deploy-form')
    await page.click('button[type=submit]:has-text("Deploy")')
    await page.waitForURL(/\/o\/apps\/v1\/deployments\/default\/web$/)
    await page.locator('[data-testid=rollout] >> text=Complete').waitFor({ timeout: 60000 })
    await page.locator('[data-testid=pod-row] >> text=Running').first().waitFor()
    assert.equal(await page.locator('[data-testid=pod-row]').count(), 2)
    await shot(page, '05-deployment')
  })

  await step('explorer lists the pods live', async () => {
    await page.goto(url + `${c}/r/core/v1/pods?ns=default`)
    await page.locator('[data-testid=resource-table] >> text=/^web-/').first().waitFor()
    await shot(page, '06-pods')
  })

  await step('import YAML: a dry-run error, fixed, then applied', async () => {
    await page.goto(url + `${c}/import?ns=default`)
    await page.locator('[data-testid=import-editor] .cm-content').waitFor()
    await upload(page, configMap + '---\n' + badDeployment)
    await page.click('button:has-text("Dry run")')
    const dry = page.locator('[data-testid=dry-run]')
    await dry.waitFor()
    const text = await dry.innerText()
    assert.match(text, /problems found, nothing applied/)
    assert.match(text, /document 2 \(line 8\).*selector/s)
    await shot(page, '07-import-dry-run-error')
    await upload(page, configMap + '---\n' + goodDeployment)
    await page.click('button:has-text("Dry run")')
    await dry.locator('text=ready to apply').waitFor()
    await page.click('[data-testid=dry-run] button:has-text("Apply")')
    const results = page.locator('[data-testid=apply-results]')
    await results.waitFor()
    assert.equal(await results.locator('text=created').count(), 2, await results.innerText())
    await shot(page, '08-import-applied')
    await page.goto(url + `${c}/r/core/v1/configmaps?ns=default`)
    await page.locator('[data-testid=resource-table] >> text=imported-config').waitFor()
    await page.goto(url + `${c}/r/apps/v1/deployments?ns=default`)
    await page.locator('[data-testid=resource-table] >> text=imported-app').waitFor()
  })

  await step('follow the logs of a pod', async () => {
    await page.goto(url + `${c}/r/core/v1/pods?ns=default`)
    await page.locator('[data-testid=resource-table] .tr:has-text("web-") >> text=Logs').first().click()
    await page.locator('[data-testid=log-view] >> text=hello from testenv').first().waitFor()
    assert.match(await page.locator('[data-testid=log-count]').innerText(), /following/)
    await shot(page, '09-logs')
  })

  await step('a terminal in a pod', async () => {
    await page.goto(url + `${c}/r/core/v1/pods?ns=default`)
    await page.locator('[data-testid=resource-table] .tr:has-text("web-") >> text=Terminal').first().click()
    await page.locator('[data-testid=term-status] >> text=connected').waitFor()
    await page.locator('[data-testid=pod-terminal]').click()
    await page.keyboard.type('echo paddock-$((40+2))\n')
    await waitText(page, 'pod-terminal', /paddock-42/)
    await shot(page, '10-pod-terminal')
  })

  if (!process.env.SKIP_SHELL) await step('kubectl get pods in the browser shell', async () => {
    await page.goto(url + `${c}/shell`)
    await page.locator('[data-testid=term-status] >> text=connected').waitFor()
    await page.locator('[data-testid=shell-terminal]').click()
    await page.keyboard.type('kubectl get pods -n default\n')
    await waitText(page, 'shell-terminal', /web-[a-z0-9]+-[a-z0-9]+\s+1\/1\s+Running/, 30000)
    await shot(page, '11-kubectl-shell')
  })

  await step('an ended session returns to sign-in', async () => {
    await context.clearCookies()
    await page.goto(url + '/clusters')
    await page.locator('input[name=username]').waitFor()
    await signIn(page, url, 'admin', env('ADMIN_PASSWORD'))
    await page.locator(`[data-row="${cluster}"]`).waitFor()
    await page.context().clearCookies()
    await page.click('text=kubeconfig (all)').catch(() => {})
    await page.locator('text=Your session has ended').waitFor()
    await shot(page, '12-session-ended')
  })

  await step('a project member sees only their namespaces', async () => {
    const { page: p } = await newPage(browser)
    await signIn(p, url, env('MEMBER'), env('MEMBER_PASSWORD'))
    await p.locator(`[data-row="${cluster}"]`).waitFor()
    await p.goto(url + `${c}/r/core/v1/pods`)
    await p.locator(`[data-testid=ns-picker] option[value="${env('MEMBER_NAMESPACE')}"]`).waitFor({ state: 'attached' })
    const options = await p.locator('[data-testid=ns-picker] option').allInnerTexts()
    assert.deepEqual(options, ['All namespaces', env('MEMBER_NAMESPACE')])
    await p.locator('[data-testid=row-count]').filter({ hasText: /items?$/ }).waitFor()
    await shot(p, '13-project-member')
    await signOut(p)
  })

  await step('a user without access changes their temporary password and sees no cluster', async () => {
    const { page: p } = await newPage(browser)
    await signIn(p, url, env('NOBODY'), env('NOBODY_PASSWORD'))
    await p.locator('text=Choose a new password').waitFor()
    await shot(p, '14-forced-password-change')
    await p.fill('input[name=current]', env('NOBODY_PASSWORD'))
    await p.fill('input[name=new]', 'a-brand-new-password')
    await p.fill('input[name=again]', 'a-brand-new-password')
    await p.click('button:has-text("Change password")')
    await p.locator('text=You have no clusters yet').waitFor()
    assert.match(await p.locator('[data-testid=cluster-count]').innerText(), /^0 of 0/)
    await shot(p, '15-no-clusters')
  })
})
