// One setting of a provider form, by kind. Secrets are write-only: a
// stored one shows as "set" and is replaced only when a new value is typed.
import type { FieldSpec } from '../../../lib/providers'
import { Field } from '../../../components/ui'

export function SettingField(props: {
  spec: FieldSpec
  value: string | boolean
  secretSet: boolean
  error?: string
  onChange: (v: string | boolean) => void
}) {
  const { spec, value, error } = props
  const name = `setting-${spec.key}`
  const label = spec.label + (spec.required ? '' : ' (optional)')
  if (spec.kind === 'bool') {
    return (
      <div className="field" style={{ display: 'flex', flexDirection: 'column', gap: 4, fontSize: 13 }}>
        <label className="row" style={{ gap: 6, fontWeight: 500 }}>
          <input type="checkbox" name={name} checked={Boolean(value)} onChange={(e) => props.onChange(e.target.checked)} />
          {spec.label}
        </label>
        {error ? <span className="field-error">{error}</span> : <span className="muted small">{spec.hint}</span>}
      </div>
    )
  }
  const text = typeof value === 'string' ? value : ''
  const secret = spec.kind === 'secret' || spec.kind === 'secret-textarea'
  const hint = secret && props.secretSet ? `Set. Leave empty to keep it; type a new value to replace it. ${spec.hint}` : spec.hint
  const placeholder = secret ? (props.secretSet ? '•••••••• (set)' : 'not set') : spec.placeholder
  return (
    <Field label={label} hint={hint} error={error}>
      {secret && props.secretSet && (
        <span className="badge ok" style={{ alignSelf: 'flex-start' }} data-testid={`secret-set-${spec.key}`}>set</span>
      )}
      {spec.kind === 'textarea' || spec.kind === 'secret-textarea' ? (
        <textarea
          name={name}
          rows={4}
          className="mono"
          value={text}
          placeholder={placeholder}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => props.onChange(e.target.value)}
        />
      ) : (
        <input
          name={name}
          type={secret ? 'password' : spec.kind === 'number' ? 'number' : 'text'}
          value={text}
          placeholder={placeholder}
          autoComplete={secret ? 'new-password' : 'off'}
          spellCheck={false}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
    </Field>
  )
}
