// Page frame: navigation on the left (clusters, and inside a cluster its
// resource kinds and tools), a title bar, the page.
import { useEffect, useState, type ReactNode } from 'react'
import { get } from '../lib/api'
import { onLinkClick, useLocation } from '../lib/router'
import { can, useSession } from '../lib/session'
import { KINDS, explorerPath } from '../lib/kinds'
import type { Cluster } from '../lib/types'
import { StateBadge } from './ui'

const clusterCache = new Map<string, Cluster>()

export function useCluster(id?: string): Cluster | undefined {
  const [c, setC] = useState<Cluster | undefined>(id ? clusterCache.get(id) : undefined)
  useEffect(() => {
    if (!id) return
    let live = true
    get<Cluster>(`/v1/clusters/${encodeURIComponent(id)}`)
      .then((x) => {
        clusterCache.set(id, x)
        if (live) setC(x)
      })
      .catch(() => undefined)
    return () => {
      live = false
    }
  }, [id])
  return c
}

function NavLink({ href, children, exact }: { href: string; children: ReactNode; exact?: boolean }) {
  const loc = useLocation()
  const path = href.split('?')[0]
  const active = exact ? loc.path === path : loc.path === path || loc.path.startsWith(path + '/')
  return (
    <a href={href} className={`nav-link${active ? ' active' : ''}`} onClick={onLinkClick}>
      {children}
    </a>
  )
}

export function Layout(props: { cluster?: string; title?: string; actions?: ReactNode; children: ReactNode }) {
  const session = useSession()
  const { user, signOut } = session
  const loc = useLocation()
  const cluster = useCluster(props.cluster)
  const ns = loc.query.get('ns') ?? ''
  const id = props.cluster
  const sections = ['Workloads', 'Network', 'Config', 'Cluster'] as const
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" /> Paddock
        </div>
        <NavLink href="/clusters" exact>
          Clusters
        </NavLink>
        {id && (
          <>
            <div className="nav-section" data-testid="nav-cluster">{cluster?.name ?? 'Cluster'}</div>
            {sections.map((s) => (
              <div key={s}>
                <div className="nav-section" style={{ paddingTop: 8 }}>
                  {s}
                </div>
                {KINDS.filter((k) => k.section === s).map((k) => (
                  <NavLink key={k.resource} href={explorerPath(id, k.group, k.version, k.resource, k.namespaced ? ns : '')}>
                    {k.title}
                  </NavLink>
                ))}
              </div>
            ))}
            <NavLink href={`/c/${encodeURIComponent(id)}/r/core/v1/_all`}>All resources</NavLink>
            <div className="nav-section">Access</div>
            <NavLink href={`/c/${encodeURIComponent(id)}/members`}>Members</NavLink>
            <NavLink href={`/c/${encodeURIComponent(id)}/projects`}>Projects</NavLink>
            <div className="nav-section">Tools</div>
            <NavLink href={`/c/${encodeURIComponent(id)}/deploy${ns ? '?ns=' + encodeURIComponent(ns) : ''}`}>Deploy a container</NavLink>
            <NavLink href={`/c/${encodeURIComponent(id)}/import${ns ? '?ns=' + encodeURIComponent(ns) : ''}`}>Import YAML</NavLink>
            <NavLink href={`/c/${encodeURIComponent(id)}/shell`}>kubectl shell</NavLink>
          </>
        )}
        {!id && (
          <>
            {(can(session, 'users-manage') || can(session, 'auth-manage') || can(session, 'roles-manage') || can(session, 'audit-read')) && (
              <div className="nav-section">Administration</div>
            )}
            {can(session, 'users-manage') && <NavLink href="/admin/users">Users</NavLink>}
            {can(session, 'auth-manage') && <NavLink href="/admin/providers">Sign-in providers</NavLink>}
            {can(session, 'roles-manage') && <NavLink href="/admin/roles">Roles</NavLink>}
            {can(session, 'audit-read') && <NavLink href="/admin/audit">Audit log</NavLink>}
            {user.admin && <NavLink href="/admin/access">Access as data</NavLink>}
            {can(session, 'settings-manage') && <NavLink href="/admin/settings">Settings</NavLink>}
            <div className="nav-section">Account</div>
            <NavLink href="/account/tokens">API tokens</NavLink>
            <NavLink href="/account/password">Password</NavLink>
          </>
        )}
        <div className="spacer" />
        <div className="userbox">
          <a href="/account/password" onClick={onLinkClick} style={{ color: '#fff' }} title="Change password" data-testid="current-user">
            {user.displayName || user.username}
          </a>
          <button className="link" style={{ color: '#9fb3d1' }} onClick={signOut}>
            Sign out
          </button>
        </div>
      </nav>
      <div className="main">
        <div className="topbar">
          <div>
            {id && (
              <div className="crumbs">
                <a href="/clusters" onClick={onLinkClick}>Clusters</a> / {cluster?.name ?? id}{' '}
                {cluster && <StateBadge state={cluster.state} />}
              </div>
            )}
            {props.title && <h1>{props.title}</h1>}
          </div>
          <div className="grow" />
          {props.actions}
        </div>
        <div className="content">{props.children}</div>
      </div>
    </div>
  )
}
