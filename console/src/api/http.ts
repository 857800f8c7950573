// fetch wrapper: bearer token, JSON, {code,message,details} → ApiError, 401 → login, blob downloads.

export const BASE = '/api/v1/admin'

/** an error toast; TDesign's message loads with the first page, not in the entry chunk (§13 budget) */
export async function toastError(message: string) {
  const { MessagePlugin } = await import('tdesign-vue-next')
  MessagePlugin.error(message)
}
const TOKEN_KEY = 'dkt-token'

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public details?: unknown) {
    super(message)
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
}

export type Query = Record<string, string | number | boolean | null | undefined | (string | number)[]>

export function buildUrl(path: string, query?: Query, base = BASE): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === null || v === undefined || v === '') continue
    if (Array.isArray(v)) v.forEach((x) => qs.append(k, String(x)))
    else qs.append(k, String(v))
  }
  const s = qs.toString()
  return base + path + (s ? `?${s}` : '')
}

function onUnauthorized() {
  // no token: the user signed out while this call was in flight; stay where 退出 leads
  if (!token.get()) return
  token.clear()
  const here = location.pathname.replace(/^\/console/, '') + location.search
  if (!here.startsWith('/login')) {
    location.assign(`/console/login?redirect=${encodeURIComponent(here)}`)
  }
}

export interface RequestOptions {
  method?: string
  query?: Query
  json?: unknown
  file?: File
  blob?: boolean
  base?: string
  silent?: boolean // the caller shows the error itself
  bearer?: string // this token instead of the stored one (退出 clears the stored one first)
}

export async function request<T = any>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {}
  const t = opts.bearer ?? token.get()
  if (t) headers.Authorization = `Bearer ${t}`
  let body: BodyInit | undefined
  if (opts.file) {
    const fd = new FormData()
    fd.append('file', opts.file)
    body = fd
  } else if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.json)
  }
  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query, opts.base), { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body })
  } catch {
    const err = new ApiError(0, 'network_error', '网络连接失败，请检查网络后重试')
    if (!opts.silent) void toastError(err.message)
    throw err
  }
  if (res.ok) {
    if (opts.blob) return (await res.blob()) as T
    const text = await res.text()
    return (text ? JSON.parse(text) : {}) as T
  }
  let code = 'error'
  let message = `请求失败（${res.status}）`
  let details: unknown
  try {
    const b = await res.json()
    code = b.code ?? code
    message = b.message ?? message
    details = b.details
  } catch {
    /* not JSON */
  }
  const err = new ApiError(res.status, code, message, details)
  if (res.status === 401 && path !== '/auth/login') {
    onUnauthorized()
    throw err
  }
  // the session's role changed under this page (身份切换 in another tab): the layout reloads it
  if (res.status === 403 && code === 'wrong_role') window.dispatchEvent(new CustomEvent('dkt:role-changed'))
  if (!opts.silent) void toastError(message)
  throw err
}

export const http = {
  get: <T = any>(path: string, query?: Query, o: RequestOptions = {}) => request<T>(path, { ...o, query }),
  post: <T = any>(path: string, json?: unknown, o: RequestOptions = {}) =>
    request<T>(path, { ...o, method: 'POST', json: json ?? {} }),
  put: <T = any>(path: string, json?: unknown, o: RequestOptions = {}) => request<T>(path, { ...o, method: 'PUT', json: json ?? {} }),
  del: <T = any>(path: string, o: RequestOptions = {}) => request<T>(path, { ...o, method: 'DELETE' }),
  upload: <T = any>(path: string, file: File, query?: Query) => request<T>(path, { method: 'POST', file, query }),
  blob: (path: string, query?: Query) => request<Blob>(path, { query, blob: true }),
}

/** 422 details → {field: message} for a t-form. */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (e instanceof ApiError && e.status === 422 && Array.isArray(e.details)) {
    for (const d of e.details as { loc?: (string | number)[]; field?: string; msg?: string; message?: string }[]) {
      const f = d.field ?? (d.loc ? String(d.loc[d.loc.length - 1]) : '')
      if (f) out[f] = d.msg ?? d.message ?? '输入有误'
    }
  }
  return out
}

export interface Page<T> { data: T[]; count: number; page: number; size: number }
export interface Labelled { value: string; label: string }
