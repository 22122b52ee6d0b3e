// Heavy widgets (CodeMirror, xterm.js) are split into their own chunks.
import { lazy, Suspense, type ComponentProps } from 'react'
import { Loading } from './ui'

const E = lazy(() => import('./Editor').then((m) => ({ default: m.YamlEditor })))
const D = lazy(() => import('./Editor').then((m) => ({ default: m.YamlDiff })))
const P = lazy(() => import('./Player').then((m) => ({ default: m.Player })))
const T = lazy(() => import('./Terminal').then((m) => ({ default: m.Terminal })))

export const LazyEditor = (p: ComponentProps<typeof E>) => (
  <Suspense fallback={<Loading what="Loading editor" />}>
    <E {...p} />
  </Suspense>
)
export const LazyDiff = (p: ComponentProps<typeof D>) => (
  <Suspense fallback={<Loading what="Loading diff" />}>
    <D {...p} />
  </Suspense>
)
export const LazyTerminal = (p: ComponentProps<typeof T>) => (
  <Suspense fallback={<Loading what="Loading terminal" />}>
    <T {...p} />
  </Suspense>
)
export const LazyPlayer = (p: ComponentProps<typeof P>) => (
  <Suspense fallback={<Loading what="Loading player" />}>
    <P {...p} />
  </Suspense>
)
