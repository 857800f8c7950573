// 审核 / 考核进度 / 成绩评定 / 再次考核: one function per endpoint (server/routes/admin/assessments.py,
// materials.py, results.py, documents.py, reports.py), typed from the generated schema.
import { http } from './http'
import type { Page, Query } from './http'
import type { components } from './schema'

type S = components['schemas']
export type ProgressRow = S['ProgressRow']
export type AvailableAction = S['AvailableAction']
export type AssessmentRecord = S['server__schemas__assessments__AssessmentRecord']
export type RecordEvent = S['RecordEvent']
export type Materials = S['Materials']
export type MaterialFile = Materials['files'][number]
export type MoveResult = S['MoveResult']
export type BatchResult = S['BatchResult']
export type ResultRow = S['ResultRow']
export type ScoredResultRow = S['ScoredResultRow']
export type JobView = S['JobView']
export type ReexamConfirmBatch = S['ReexamConfirmBatch']
export type ReexamConfirmAll = S['ReexamConfirmAll']
export type OrgOption = { id: number; name: string }

/** the body of one move: `reason` / `version`, plus the fields of 评定, 复核, 确认再次考核名单 */
export type ActionBody = { reason?: string; version?: number } & Record<string, unknown>

export const reviewApi = {
  /** 考核进度 / a review queue (?queue=&procedure=) */
  list: (q: Query) => http.get<Page<ProgressRow>>('/assessments', q),
  record: (id: number | string) => http.get<AssessmentRecord>(`/assessments/${id}`),
  act: (id: number | string, action: string, body: ActionBody) =>
    http.post<MoveResult>(`/assessments/${id}/actions/${action}`, body),
  batch: (action: string, ids: number[], reason = '') =>
    http.post<BatchResult>(`/assessments/batch/${action}`, { ids, reason } satisfies S['BatchBody']),
  materials: (id: number | string) => http.get<Materials>(`/assessments/${id}/materials`),
  material: (id: number | string, fileId: string) => http.blob(`/assessments/${id}/materials/${fileId}`),
  certificate: (id: number | string) => http.blob(`/assessments/${id}/certificate`),
  delayForm: (id: number | string) => http.blob(`/assessments/${id}/delay-form`),
  /** 导出考核进度 with the list's filters as query args → 202 job */
  exportProgress: (q: Query) => http.post<JobView>('/exports/progress', {}, { query: q }),
}

export const resultApi = {
  judging: (q: Query) => http.get<Page<ScoredResultRow>>('/results/judging', q),
  reexamCandidates: (q: Query) => http.get<Page<ResultRow>>('/reexam/candidates', q),
  reexamConfirm: (body: ReexamConfirmBatch) => http.post<BatchResult>('/reexam/confirm', body),
  reexamConfirmAll: (body: ReexamConfirmAll) => http.post<JobView>('/reexam/confirm-all', body),
  reexamResults: (q: Query) => http.get<Page<ScoredResultRow>>('/reexam/results', q),
}

/** 卫生机构 options of the 考核进度 filter: an administration's institutions, an assessment institution's assigned ones */
export const orgOptionApi = {
  institutions: (name: string) =>
    http.get<Page<S['InstitutionRow']>>('/institutions', { name, size: 50 }).then((p) => p.data.map(({ id, name }) => ({ id, name }))),
  assigned: (name: string) =>
    http.get<Page<S['AssessmentOrgRow']>>('/assessment/my-institutions', { name, size: 50 })
      .then((p) => p.data.map(({ id, name }) => ({ id, name }))),
}
