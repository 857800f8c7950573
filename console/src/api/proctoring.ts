// 监考管理 and 违纪处理记录 (server/routes/admin/proctoring.py).
import { http, request } from './http'
import type { Page, Query } from './http'
import type { components, operations } from './schema'

type S = components['schemas']
export type ExamineeRow = S['ExamineeRow']
export type ExamineeDetail = S['ExamineeDetail']
export type FaceCheck = S['FaceCheckView']
export type ViolationRow = S['ViolationRow']
export type ProctoringQuery = NonNullable<operations['admin_proctoring_list_examinees']['parameters']['query']>

export const proctoringApi = {
  list: (q: Query) => http.get<Page<ExamineeRow>>('/proctoring', q),
  violations: (q: Query) => http.get<Page<ViolationRow>>('/proctoring/violations', q),
  detail: (assessmentId: number) => http.get<ExamineeDetail>(`/proctoring/${assessmentId}`),
  /** images need the token: fetched as blobs, shown through object URLs */
  checkImage: (checkId: number) => request<Blob>(`/proctoring/checks/${checkId}/image`, { blob: true, silent: true }),
  referencePhoto: (assessmentId: number) => request<Blob>(`/proctoring/${assessmentId}/photo`, { blob: true, silent: true }),
  mark: (assessmentId: number, note = '') => http.post<S['MarkResult']>(`/proctoring/${assessmentId}/mark`, { note }),
  unmark: (assessmentId: number, reason = '') =>
    http.post<S['MarkResult']>(`/proctoring/${assessmentId}/unmark`, { reason }),
  process: (assessmentId: number, reason: string, version?: number) =>
    http.post<S['ViolationProcessed']>(`/proctoring/${assessmentId}/process`, { reason, version }),
}

/** 核验结果 filter options (ProctoringQuery.decision) */
export const DECISIONS = [
  { value: 'low_similarity', label: '相似度过低' },
  { value: 'review', label: '待人工复核' },
  { value: 'no_face', label: '未检测到人脸' },
  { value: 'multiple_faces', label: '多人入镜' },
  { value: 'camera_covered', label: '摄像头被遮挡' },
  { value: 'invalid_image', label: '图片无效' },
  { value: 'no_reference', label: '无可用标准照' },
  { value: 'passed', label: '核验通过' },
]
