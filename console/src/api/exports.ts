// 申请导出 / 导出记录 (CONSOLE.md §11) and the background jobs they start.
import { http } from './http'
import type { components, paths } from './schema'

export type JobView = components['schemas']['JobView']
export type JobPage = components['schemas']['Page_JobView_']
export type ExamProgressExportQuery = NonNullable<paths['/api/v1/admin/exports/exam-progress']['post']['parameters']['query']>
type ExportListQuery = NonNullable<paths['/api/v1/admin/exports']['get']['parameters']['query']>
type InstitutionQuery = NonNullable<paths['/api/v1/admin/institutions']['get']['parameters']['query']>
export type InstitutionPage = components['schemas']['Page_InstitutionRow_']

/** job kinds of the exports (server/services/reports/exports.py EXPORTS) in the seeds' words */
export const EXPORT_KINDS: Record<string, string> = {
  export_progress: '考核进度导出',
  export_exam_progress: '考试进展导出',
  export_physicians: '医师信息导出',
}

export const exportsApi = {
  /** 导出记录 of the organisation, newest first */
  list: (q: ExportListQuery) => http.get<JobPage>('/exports', q),
  /** 考试进展导出: 202 with the job */
  examProgress: (q: ExamProgressExportQuery) => http.post<JobView>('/exports/exam-progress', {}, { query: q, silent: true }),
  /** 卫生机构 options for the export's filter */
  institutions: (q: InstitutionQuery) => http.get<InstitutionPage>('/institutions', q),
}

type JobQuery = NonNullable<paths['/api/v1/admin/jobs']['get']['parameters']['query']>

export const jobsApi = {
  /** 本机构的后台任务, newest first (?kind= one kind) */
  list: (q: JobQuery) => http.get<JobPage>('/jobs', q),
  get: (id: string) => http.get<JobView>(`/jobs/${id}`),
  result: (id: string) => http.blob(`/jobs/${id}/result`),
  errors: (id: string) => http.blob(`/jobs/${id}/errors`),
}
