// Time to first render of big lists in headless Chromium (driven by
// TestUIRenderBench with PADDOCK_BENCH=1): the clusters page with
// CLUSTERS clusters and a pod list with PODS pods. Prints JSON.
import { env, launch, newPage, run, signIn } from './lib.mjs'

const url = env('PADDOCK_URL')
const runs = Number(process.env.RUNS || 5)
const browser = await launch()
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

await run(browser, async () => {
  const { page } = await newPage(browser)
  await signIn(page, url, 'admin', env('ADMIN_PASSWORD'))
  await page.locator('[data-testid=cluster-count]').waitFor()
  // measure: navigation start → first rows drawn, and → the whole list loaded.
  const measure = async (path, table, done) => {
    const first = []
    const all = []
    for (let i = 0; i < runs; i++) {
      await page.goto('about:blank')
      const t0 = Date.now()
      await page.goto(url + path)
      await page.locator(`[data-testid=${table}] .tr`).first().waitFor({ timeout: 60000 })
      first.push(Date.now() - t0)
      await page.locator(done).first().waitFor({ timeout: 60000 })
      all.push(Date.now() - t0)
    }
    return { firstRowsMedian: median(first), allMedian: median(all), first, all }
  }
  const clusters = await measure('/clusters', 'clusters-table', `[data-testid=cluster-count]:has-text("of ${env('CLUSTERS')} clusters")`)
  const pods = await measure(`/c/${env('CLUSTER_ID')}/r/core/v1/pods?ns=${env('POD_NAMESPACE')}`, 'resource-table', `[data-testid=row-count] >> text=/^${env('PODS')} items$/`)
  const domRows = await page.locator('[data-testid=resource-table] .tr').count()
  console.log('RESULT ' + JSON.stringify({ clusters, pods, domRowsFor5000Pods: domRows }))
})
