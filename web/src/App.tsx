// The application shell: who is signed in, and which page shows.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react'
import { api, ApiError, UNAUTHORIZED_EVENT } from './lib/api'
import { match, navigate, useLocation } from './lib/router'
import { SessionContext, type Session } from './lib/session'
import type { User } from './lib/types'
import { Layout } from './components/Layout'
import { Login } from './pages/Login'
import { ChangePassword } from './pages/ChangePassword'
import { Clusters } from './pages/Clusters'
import { Explorer } from './pages/Explorer'
import { Loading } from './components/ui'

// Pages beyond the cluster list and explorer load on first use.
const Detail = lazy(() => import('./pages/Detail').then((m) => ({ default: m.Detail })))
const ImportYaml = lazy(() => import('./pages/ImportYaml').then((m) => ({ default: m.ImportYaml })))
const Deploy = lazy(() => import('./pages/Deploy').then((m) => ({ default: m.Deploy })))
const Logs = lazy(() => import('./pages/Logs').then((m) => ({ default: m.Logs })))
const PodTerminal = lazy(() => import('./pages/PodTerminal').then((m) => ({ default: m.PodTerminal })))
const Shell = lazy(() => import('./pages/Shell').then((m) => ({ default: m.Shell })))
const CreateCluster = lazy(() => import('./pages/CreateCluster').then((m) => ({ default: m.CreateCluster })))
const Users = lazy(() => import('./pages/admin/Users').then((m) => ({ default: m.Users })))
const Providers = lazy(() => import('./pages/admin/Providers').then((m) => ({ default: m.Providers })))
const Roles = lazy(() => import('./pages/admin/Roles').then((m) => ({ default: m.Roles })))
const Audit = lazy(() => import('./pages/admin/Audit').then((m) => ({ default: m.Audit })))
const AccessData = lazy(() => import('./pages/admin/AccessData').then((m) => ({ default: m.AccessData })))
const Settings = lazy(() => import('./pages/admin/Settings').then((m) => ({ default: m.Settings })))
const Tokens = lazy(() => import('./pages/account/Tokens').then((m) => ({ default: m.Tokens })))
const Members = lazy(() => import('./pages/Members').then((m) => ({ default: m.Members })))
const Projects = lazy(() => import('./pages/Projects').then((m) => ({ default: m.Projects })))

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined)
  const [ended, setEnded] = useState('')
  const loc = useLocation()

  const refresh = useCallback(async () => {
    try {
      setUser(await api<User>('GET', '/v1/me', { quiet401: true }))
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setUser(null)
      else throw e
    }
  }, [])

  useEffect(() => {
    refresh().catch(() => setUser(null))
    const on = () => {
      setUser((u) => {
        if (u) setEnded('Your session has ended. Sign in again to continue where you were.')
        return null
      })
    }
    window.addEventListener(UNAUTHORIZED_EVENT, on)
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, on)
  }, [refresh])

  if (user === undefined) return <Loading what="Starting" />
  if (user === null) {
    return (
      <Login
        notice={ended}
        onSignedIn={async () => {
          setEnded('')
          await refresh()
          if (loc.path === '/login' || loc.path === '/') navigate('/clusters', true)
        }}
      />
    )
  }
  const session: Session = {
    user,
    refresh,
    signOut: async () => {
      await api('POST', '/v1/auth/logout').catch(() => undefined)
      setUser(null)
      navigate('/login', true)
    },
  }
  if (user.mustChangePassword) {
    return (
      <SessionContext.Provider value={session}>
        <ChangePassword forced onDone={refresh} />
      </SessionContext.Provider>
    )
  }
  return (
    <SessionContext.Provider value={session}>
      <Suspense fallback={<Loading />}>
        <Routes path={loc.path} />
      </Suspense>
    </SessionContext.Provider>
  )
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null
  if (path === '/' || path === '/login') {
    navigate('/clusters', true)
    return null
  }
  if (path === '/clusters') return <Layout><Clusters /></Layout>
  if (path === '/clusters/new') return <Layout title="Create a cluster"><CreateCluster /></Layout>
  if (path === '/admin/users') return <Layout title="Users"><Users /></Layout>
  if (path === '/admin/providers') return <Layout title="Sign-in providers"><Providers /></Layout>
  if (path === '/admin/roles') return <Layout title="Roles"><Roles /></Layout>
  if (path === '/admin/audit') return <Layout title="Audit log"><Audit /></Layout>
  if (path === '/admin/access') return <Layout title="Access as data"><AccessData /></Layout>
  if (path === '/admin/settings') return <Layout title="Settings"><Settings /></Layout>
  if (path === '/account/tokens') return <Layout title="API tokens"><Tokens /></Layout>
  if ((m = match('/c/:id/members', path))) return <Layout cluster={m.id} title="Members"><Members cluster={m.id} /></Layout>
  if ((m = match('/c/:id/projects', path))) return <Layout cluster={m.id} title="Projects"><Projects cluster={m.id} /></Layout>
  if (path === '/account/password') return <Layout title="Change password"><ChangePassword onDone={() => navigate('/clusters')} /></Layout>
  if ((m = match('/c/:id', path))) {
    navigate(`/c/${encodeURIComponent(m.id)}/r/apps/v1/deployments`, true)
    return null
  }
  if ((m = match('/c/:id/r/:group/:version/:resource', path))) return <Layout cluster={m.id}><Explorer cluster={m.id} group={m.group} version={m.version} resource={m.resource} /></Layout>
  if ((m = match('/c/:id/o/:group/:version/:resource/:ns/:name', path))) return <Layout cluster={m.id}><Detail cluster={m.id} group={m.group} version={m.version} resource={m.resource} ns={m.ns} name={m.name} /></Layout>
  if ((m = match('/c/:id/import', path))) return <Layout cluster={m.id} title="Import YAML"><ImportYaml cluster={m.id} /></Layout>
  if ((m = match('/c/:id/deploy', path))) return <Layout cluster={m.id} title="Deploy a container"><Deploy cluster={m.id} /></Layout>
  if ((m = match('/c/:id/shell', path))) return <Layout cluster={m.id} title="kubectl shell"><Shell cluster={m.id} /></Layout>
  if ((m = match('/c/:id/logs/:ns/:pod', path))) return <Layout cluster={m.id} title={`Logs: ${m.pod}`}><Logs cluster={m.id} ns={m.ns} pod={m.pod} /></Layout>
  if ((m = match('/c/:id/exec/:ns/:pod', path))) return <Layout cluster={m.id} title={`Terminal: ${m.pod}`}><PodTerminal cluster={m.id} ns={m.ns} pod={m.pod} /></Layout>
  return (
    <Layout title="Not found">
      <div className="card empty">
        There is no page at {path}. <a href="/clusters">Go to clusters</a>
      </div>
    </Layout>
  )
}
