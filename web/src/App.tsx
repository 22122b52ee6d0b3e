// The application shell: who is signed in, and which page shows.
import { useCallback, useEffect, useState } from 'react'
import { api, ApiError, UNAUTHORIZED_EVENT } from './lib/api'
import { match, navigate, useLocation } from './lib/router'
import { SessionContext, type Session } from './lib/session'
import type { User } from './lib/types'
import { Layout } from './components/Layout'
import { Login } from './pages/Login'
import { ChangePassword } from './pages/ChangePassword'
import { Clusters } from './pages/Clusters'
import { Explorer } from './pages/Explorer'
import { Detail } from './pages/Detail'
import { ImportYaml } from './pages/ImportYaml'
import { Deploy } from './pages/Deploy'
import { Logs } from './pages/Logs'
import { PodTerminal } from './pages/PodTerminal'
import { Shell } from './pages/Shell'
import { CreateCluster } from './pages/CreateCluster'
import { Users } from './pages/admin/Users'
import { Providers } from './pages/admin/Providers'
import { Roles } from './pages/admin/Roles'
import { Audit } from './pages/admin/Audit'
import { AccessData } from './pages/admin/AccessData'
import { Settings } from './pages/admin/Settings'
import { Tokens } from './pages/account/Tokens'
import { Members } from './pages/Members'
import { Projects } from './pages/Projects'
import { Loading } from './components/ui'

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
      <Routes path={loc.path} />
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
