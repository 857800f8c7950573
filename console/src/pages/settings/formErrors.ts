// A refused save (422 invalid_input with field details, or a rule's ValidationFailed naming
// details.fields) → the server's message on the form's fields; anything else → a toast.
import type { FormInstanceFunctions } from 'tdesign-vue-next'
import { ApiError, fieldErrors, toastError } from '../../api/http'

export function serverFieldErrors(e: unknown): Record<string, string> {
  const out = fieldErrors(e)
  if (e instanceof ApiError && e.details && typeof e.details === 'object' && !Array.isArray(e.details)) {
    const fields = (e.details as { fields?: unknown }).fields
    if (Array.isArray(fields)) for (const f of fields) out[String(f)] ??= e.message
  }
  return out
}

/** put the errors on the form (field names mapped by `rename`); true when at least one landed there */
export function showFieldErrors(form: FormInstanceFunctions | undefined, e: unknown,
  rename: (field: string) => string | null = (f) => f, known?: string[]): boolean {
  const messages: Record<string, { type: 'error'; message: string }[]> = {}
  for (const [f, m] of Object.entries(serverFieldErrors(e))) {
    const k = rename(f)
    if (!k || (known && !known.includes(k))) continue
    if (!(messages[k] ?? []).some((x) => x.message === m)) (messages[k] ??= []).push({ type: 'error', message: m })
  }
  if (form && Object.keys(messages).length) {
    form.setValidateMessage(messages)
    return true
  }
  if (!(e instanceof ApiError) || e.status !== 401) void toastError(e instanceof Error ? e.message : '保存失败')
  return false
}
