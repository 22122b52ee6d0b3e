// Small shared pieces: modal, confirm, errors, state badges, copy button.
import { useState, type ReactNode } from 'react'
import { errorText } from '../lib/api'

export function Modal(props: { title: string; onClose: () => void; children: ReactNode; footer?: ReactNode; wide?: boolean }) {
  return (
    <div className="modal-back" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div className="modal" role="dialog" aria-label={props.title} style={props.wide ? { width: 'min(960px, 94vw)' } : undefined}>
        <header>{props.title}</header>
        <div className="body">{props.children}</div>
        {props.footer && <footer>{props.footer}</footer>}
      </div>
    </div>
  )
}

export function Confirm(props: { title: string; children: ReactNode; action: string; danger?: boolean; onConfirm: () => Promise<void>; onClose: () => void }) {
  const [busy, setBusy] = useState(false)
  const [err, setErr] = useState<unknown>(null)
  return (
    <Modal
      title={props.title}
      onClose={props.onClose}
      footer={
        <>
          <button onClick={props.onClose}>Cancel</button>
          <button
            className={props.danger ? 'danger solid' : 'primary'}
            disabled={busy}
            onClick={async () => {
              setBusy(true)
              setErr(null)
              try {
                await props.onConfirm()
                props.onClose()
              } catch (e) {
                setErr(e)
                setBusy(false)
              }
            }}
          >
            {props.action}
          </button>
        </>
      }
    >
      {props.children}
      <ErrorBox error={err} />
    </Modal>
  )
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null
  return (
    <div className="alert error" role="alert">
      {errorText(error)}
    </div>
  )
}

export function StateBadge({ state }: { state: string }) {
  const s = state.toLowerCase()
  const cls = ['active', 'running', 'ready', 'succeeded', 'complete', 'true', 'bound'].includes(s)
    ? 'ok'
    : ['error', 'failed', 'unavailable', 'crashloopbackoff', 'false', 'disconnected'].includes(s)
      ? 'bad'
      : 'warn'
  return <span className={`badge ${cls}`}>{state}</span>
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false)
  return (
    <button
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text)
        } catch {
          // Clipboard refused (insecure context or permission): select-and-copy fallback.
          const ta = document.createElement('textarea')
          ta.value = text
          document.body.appendChild(ta)
          ta.select()
          document.execCommand('copy')
          ta.remove()
        }
        setDone(true)
        setTimeout(() => setDone(false), 1500)
      }}
    >
      {done ? 'Copied' : label}
    </button>
  )
}

export function Field(props: { label: string; hint?: string; error?: string; children: ReactNode }) {
  return (
    <label className="field">
      {props.label}
      {props.children}
      {props.error ? <span className="field-error">{props.error}</span> : props.hint ? <span className="hint">{props.hint}</span> : null}
    </label>
  )
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <div className="empty">{what}…</div>
}
