// Paddock's /v1 API from the browser: the session lives in an HttpOnly
// cookie; unsafe requests echo the CSRF cookie in X-CSRF-Token. Nothing is
// ever kept in localStorage and no token goes into a URL.

export class ApiError extends Error {
  status: number
  code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

export const CSRF_COOKIE = '__Host-paddock_csrf'

export function csrfToken(cookies: string = document.cookie): string {
  for (const part of cookies.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === CSRF_COOKIE) return decodeURIComponent(v.join('='))
  }
  return ''
}

/** Fired when a request comes back 401: the session ended. */
export const UNAUTHORIZED_EVENT = 'paddock:unauthorized'

export interface RequestOptions {
  body?: unknown
  raw?: BodyInit
  contentType?: string
  accept?: string
  signal?: AbortSignal
  /** Do not announce a 401 (the login form itself). */
  quiet401?: boolean
}

export async function request(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {}
  let body: BodyInit | undefined = o.raw
  if (o.body !== undefined) {
    body = JSON.stringify(o.body)
    headers['Content-Type'] = 'application/json'
  }
  if (o.contentType) headers['Content-Type'] = o.contentType
  headers['Accept'] = o.accept ?? 'application/json'
  if (method !== 'GET' && method !== 'HEAD') {
    headers['X-CSRF-Token'] = csrfToken()
  }
  const res = await fetch(path, { method, headers, body, signal: o.signal, credentials: 'same-origin' })
  if (!res.ok) {
    const err = await errorOf(res)
    if (res.status === 401 && !o.quiet401) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT))
    throw err
  }
  return res
}

/** errorOf turns a failed response (Paddock envelope or Kubernetes Status) into an ApiError. */
export async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '')
  try {
    const j = JSON.parse(text)
    if (j && typeof j === 'object') {
      if (j.kind === 'Status') return new ApiError(res.status, j.reason ?? 'Failure', j.message ?? res.statusText)
      if (j.message) return new ApiError(res.status, j.error ?? 'error', j.message)
    }
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, 'http_' + res.status, text.trim() || res.statusText || 'request failed')
}

export async function api<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
  const res = await request(method, path, o)
  if (res.status === 204) return undefined as T
  const ct = res.headers.get('Content-Type') ?? ''
  if (!ct.includes('json')) return (await res.text()) as T
  return (await res.json()) as T
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, { signal })

/** listAll follows ?after= cursors of a Paddock list to the end. */
export async function listAll<T>(path: string, signal?: AbortSignal, onPage?: (soFar: T[]) => void): Promise<T[]> {
  const out: T[] = []
  let after = ''
  const sep = path.includes('?') ? '&' : '?'
  for (;;) {
    const page = await get<{ items: T[]; next?: string }>(
      `${path}${sep}limit=500${after ? '&after=' + encodeURIComponent(after) : ''}`,
      signal,
    )
    out.push(...page.items)
    if (!page.next) return out
    onPage?.([...out])
    after = page.next
  }
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof Error) return e.message
  return String(e)
}

/** download saves text as a file through a temporary object URL. */
export function download(name: string, text: string, type = 'text/plain') {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
