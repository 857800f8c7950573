// one function per endpoint, loosely typed until the server's OpenAPI declares schemas (§9)
import { http } from './http'
import type { Page, Query } from './http'

type Row = Record<string, any>

export const cycleApi = {
  current: () => http.get<Row>('/cycles/current', undefined, { silent: true }),
  confirmation: () => http.get<Row>('/cycles/current/confirmation', undefined, { silent: true }),
  confirm: () => http.post<Row>('/cycles/current/confirmation'),
}
export const assessmentApi = {
  list: (q: Query) => http.get<Page<Row>>('/assessments', q),
  queues: () => http.get<{ data: { queue: string; label: string }[] }>('/assessments/queues'),
  physicians: (q: Query) => http.get<Page<Row>>('/assessments/physicians', q),
}
export const auditApi = { list: (q: Query) => http.get<Page<Row>>('/audit-logs', q) }
export const exportApi = { list: (q: Query) => http.get<Page<Row>>('/exports', q) }
export const jobApi = {
  get: (id: string | number) => http.get<Row>(`/jobs/${id}`),
  result: (id: string | number) => http.blob(`/jobs/${id}/result`),
  errors: (id: string | number) => http.blob(`/jobs/${id}/errors`),
}
