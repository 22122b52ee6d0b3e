// The signed-in user, shared by every page.
import { createContext, useContext } from 'react'
import type { User } from './types'

export interface Session {
  user: User
  refresh: () => Promise<void>
  signOut: () => Promise<void>
}

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside a session')
  return s
}

/** can tells whether the signed-in user holds a global capability. */
export function can(s: Session, capability: string): boolean {
  return s.user.admin || (s.user.capabilities ?? []).includes(capability)
}
