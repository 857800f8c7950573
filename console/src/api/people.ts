// 医师 and 调动: one function per endpoint (server/routes/admin/physicians.py, assessments.py, upkeep.py,
// imports.py, reports.py, orgs.py), typed from the generated OpenAPI schema.
import { http } from './http'
import type { Query } from './http'
import type { components } from './schema'

type S = components['schemas']
export type CyclePhysicianRow = S['CyclePhysicianRow']
export type PhysicianRow = S['PhysicianRow']
export type PhysicianDetail = S['PhysicianDetail']
export type TransferView = S['TransferView']
export type InstitutionChoice = S['InstitutionChoice']
export type DepartmentNode = S['DepartmentNode']
export type BatchResult = S['BatchResult']

export const physicianApi = {
  /** 医师信息列表 (the institution's physicians with their status in the current cycle) */
  cycleList: (q: Query) => http.get<S['CyclePhysicianPage']>('/assessments/physicians', q),
  include: (id: number) => http.post<S['server__schemas__assessments__AssessmentSummary']>(`/assessments/physicians/${id}/include`),
  cancelInclude: (id: number) =>
    http.post<S['server__schemas__assessments__AssessmentSummary']>(`/assessments/physicians/${id}/cancel-include`),
  includeBatch: (ids: number[]) =>
    http.post<S['IncludeBatchResult']>('/assessments/physicians/include', { physician_ids: ids } satisfies S['PhysicianIds']),
  cancelIncludeBatch: (ids: number[]) =>
    http.post<S['IncludeBatchResult']>('/assessments/physicians/cancel-include', { physician_ids: ids } satisfies S['PhysicianIds']),
  /** 医师管理 (administrations; numbers masked) */
  list: (q: Query) => http.get<S['Page_PhysicianRow_']>('/physicians', q),
  detail: (id: number) => http.get<PhysicianDetail>(`/physicians/${id}`),
  transfers: (id: number) => http.get<S['Items_TransferView_']>(`/physicians/${id}/transfers`),
  resetPassword: (id: number) => http.post<S['PasswordResetDone']>(`/physicians/${id}/reset-password`),
  changeInstitution: (id: number, body: S['ChangeInstitution']) =>
    http.post<S['TransferCreated']>(`/physicians/${id}/change-institution`, body),
  moveDepartment: (body: S['DepartmentMove']) => http.post<BatchResult>('/physicians/move-department', body),
  export: (q: Query) => http.post<S['JobView']>('/exports/physicians', undefined, { query: q }),
}

export const IMPORT_PATHS = {
  upload: '/imports/physicians',
  template: '/imports/physicians/template',
  templateName: '医师信息导入模板.xlsx',
}

export const transferApi = {
  list: (q: Query) => http.get<S['Page_TransferView_']>('/transfers', q),
  out: (body: S['TransferOut']) => http.post<S['TransferCreated']>('/transfers/out', body),
  holdingIn: (body: S['HoldingIn']) => http.post<S['TransferCreated']>('/transfers/holding-in', body),
  holdingOut: (body: S['HoldingOut']) => http.post<S['TransferCreated']>('/transfers/holding-out', body),
  decide: (id: number, body: S['Decision']) => http.post<S['TransferCreated']>(`/transfers/${id}/decision`, body),
}

export const orgChoiceApi = {
  /** 卫生机构 to move a physician to (hospital: its province; administration: its jurisdiction) */
  institutions: (name?: string) => http.get<S['Items_InstitutionChoice_']>('/institutions/choices', { name }),
  /** 科室 of the caller's institution, as a tree */
  departments: () => http.get<S['DepartmentTree']>('/departments'),
}

/** enum options mirroring server/models/physician.py */
export const CATEGORY_OPTIONS = [
  { value: 'clinical', label: '临床' }, { value: 'tcm', label: '中医' },
  { value: 'dental', label: '口腔' }, { value: 'public_health', label: '公共卫生' },
]
export const LEVEL_OPTIONS = [{ value: 'physician', label: '执业医师' }, { value: 'assistant', label: '执业助理医师' }]
export const REGISTRY_STATUS_OPTIONS = [
  { value: 'active', label: '在册' }, { value: 'holding', label: '暂存区' }, { value: 'pending', label: '注册待审核' },
]
export const HOLDING_REASON_OPTIONS = [
  { value: 'deceased', label: '死亡' }, { value: 'retired', label: '退休（不再执业）' }, { value: 'left', label: '离职（不再执业）' },
]
export const TRANSFER_KIND_OPTIONS = [
  { value: 'change', label: '变更卫生机构' }, { value: 'transfer', label: '人员调出' },
  { value: 'holding_in', label: '调入暂存区' }, { value: 'holding_out', label: '调出暂存区' },
]
export const TRANSFER_STATUS_OPTIONS = [
  { value: 'pending', label: '待审核' }, { value: 'approved', label: '已通过' }, { value: 'rejected', label: '已驳回' },
]
