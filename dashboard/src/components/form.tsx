/** Form controls with their labels attached (every control has one), and buttons that show they are busy. */
import { type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId, useState } from 'react'

type FieldProps = InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string }

export function TextField({ label, hint, id, ...input }: FieldProps) {
  const fallback = useId()
  const inputId = id ?? fallback
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <input id={inputId} aria-describedby={hint ? `${inputId}-hint` : undefined} {...input} />
      {hint && (
        <small id={`${inputId}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  )
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & { label: string; options: readonly (string | { value: string; label: string })[] }

export function SelectField({ label, options, id, ...select }: SelectProps) {
  const fallback = useId()
  const selectId = id ?? fallback
  return (
    <div className="field">
      <label htmlFor={selectId}>{label}</label>
      <select id={selectId} {...select}>
        {options.map((option) => {
          const { value, label: text } = typeof option === 'string' ? { value: option, label: option } : option
          return (
            <option key={value} value={value}>
              {text}
            </option>
          )
        })}
      </select>
    </div>
  )
}

export function CheckboxField({ label, id, ...input }: InputHTMLAttributes<HTMLInputElement> & { label: string }) {
  const fallback = useId()
  const inputId = id ?? fallback
  return (
    <div className="field checkbox">
      <input id={inputId} type="checkbox" {...input} />
      <label htmlFor={inputId}>{label}</label>
    </div>
  )
}

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { busy?: boolean; variant?: 'primary' | 'secondary' | 'danger' }

export function Button({ busy = false, variant = 'primary', children, disabled, type = 'button', className, ...rest }: ButtonProps) {
  return (
    <button type={type} className={`button ${variant} ${className ?? ''}`} disabled={disabled || busy} aria-busy={busy || undefined} {...rest}>
      {children}
      {busy && <span className="visually-hidden"> (working)</span>}
    </button>
  )
}

/**
 * A destructive action asks once more in place (no browser dialog, so keyboard and tests reach it):
 * the first press shows "Confirm" and "Cancel".
 */
export function ConfirmButton({ children, confirmLabel, onConfirm, busy, disabled }: { children: ReactNode; confirmLabel: string; onConfirm(): void; busy?: boolean; disabled?: boolean }) {
  const [asking, setAsking] = useState(false)
  if (!asking)
    return (
      <Button variant="danger" onClick={() => setAsking(true)} busy={busy} disabled={disabled}>
        {children}
      </Button>
    )
  return (
    <span className="confirm" role="group" aria-label={confirmLabel}>
      <Button
        variant="danger"
        autoFocus
        onClick={() => {
          setAsking(false)
          onConfirm()
        }}
      >
        {confirmLabel}
      </Button>
      <Button variant="secondary" onClick={() => setAsking(false)}>
        Cancel
      </Button>
    </span>
  )
}
