// 所辖机构账户管理, 卫生机构管理, 本机构信息 / 科室信息, 考核机构管理: one function per endpoint (§9).
import { http } from './http'
import type { Query } from './http'
import type { components } from './schema'

type S = components['schemas']
export type AccountRow = S['AccountRow']
export type AccountCreate = S['AccountCreate']
export type AccountUpdate = Partial<S['AccountUpdate']>
export type BatchResult = S['BatchResult']
export type RegionNode = S['RegionNode']
export type InstitutionRow = S['InstitutionRow']
export type InstitutionDetail = S['InstitutionDetail']
export type InstitutionUpdate = Partial<S['InstitutionUpdate']>
export type OwnOrg = S['OwnOrg']
export type OrgSelfUpdate = Partial<S['OrgSelfUpdate']>
export type DepartmentNode = S['DepartmentNode']
export type DepartmentTree = S['DepartmentTree']
export type ApplicationRow = S['ApplicationRow']
export type ApplicationDetail = S['ApplicationDetail']
export type ApplicationStatusView = S['ApplicationStatusView']
export type MaterialFile = S['Items_MaterialFile_']['data'][number]
export type AssessorRow = S['AssessorRow']
export type AssessmentOrgRow = S['AssessmentOrgRow']

export const accountApi = {
  list: (q: Query) => http.get<S['Page_AccountRow_']>('/accounts', q),
  get: (id: number) => http.get<AccountRow>(`/accounts/${id}`),
  create: (body: AccountCreate) => http.post<AccountRow>('/accounts', body, { silent: true }),
  update: (id: number, body: AccountUpdate) => http.put<AccountRow>(`/accounts/${id}`, body, { silent: true }),
  remove: (id: number) => http.del<S['Done']>(`/accounts/${id}`),
  activate: (id: number) => http.post<AccountRow>(`/accounts/${id}/activate`),
  batchActivate: (ids: number[]) => http.post<BatchResult>('/accounts/batch-activate', { ids }),
  resetPassword: (id: number) => http.post<S['Done'] & { password?: string }>(`/accounts/${id}/reset-password`),
  cancel: (id: number) => http.post<AccountRow>(`/accounts/${id}/cancel`),
  exportXlsx: (q: Query) => http.blob('/accounts/export', q),
}

export const regionApi = {
  tree: (depth?: number) => http.get<S['RegionTree']>('/regions/tree', { depth }),
}

export const institutionApi = {
  list: (q: Query) => http.get<S['Page_InstitutionRow_']>('/institutions', q),
  get: (id: number) => http.get<InstitutionDetail>(`/institutions/${id}`),
  upkeep: (id: number, body: InstitutionUpdate) => http.put<S['InstitutionView']>(`/institutions/${id}/upkeep`, body, { silent: true }),
  cancel: (id: number) => http.post<S['InstitutionCancelled']>(`/institutions/${id}/cancel`),
  importTemplate: '/imports/institutions/template',
  importPath: '/imports/institutions',
}

export const orgApi = {
  self: () => http.get<OwnOrg>('/orgs/self'),
  updateSelf: (body: OrgSelfUpdate) => http.put<OwnOrg>('/orgs/self', body, { silent: true }),
}

export const departmentApi = {
  tree: (orgId?: number) => http.get<DepartmentTree>('/departments', { org_id: orgId }),
  create: (body: Partial<S['DepartmentCreate']> & { name: string }) =>
    http.post<S['DepartmentView']>('/departments', body, { silent: true }),
  batch: (body: { parent_id: number | null; items: { name: string; description: string }[] }) =>
    http.post<S['DepartmentsCreated']>('/departments/batch', body, { silent: true }),
  update: (id: number, body: { name: string; description?: string | null }) =>
    http.put<S['DepartmentView']>(`/departments/${id}`, body, { silent: true }),
  remove: (id: number) => http.del<S['Done']>(`/departments/${id}`),
}

export const assessmentOrgApi = {
  setApplyPermission: (orgId: number, allow: boolean) => http.put<S['Done']>(`/assessment/apply-permission/${orgId}`, { allow }),
  batchApplyPermission: (ids: number[], allow: boolean) =>
    http.post<BatchResult>('/assessment/apply-permission/batch', { ids, allow }),
  myApplication: () => http.get<ApplicationStatusView>('/assessment/my-application'),
  uploadMaterial: (file: File) => http.upload<S['Items_MaterialFile_']>('/assessment/materials', file),
  submit: (note: string, material_ids: string[]) =>
    http.post<ApplicationRow>('/assessment/applications', { note, material_ids }),
  applications: (q: Query) => http.get<S['Page_ApplicationRow_']>('/assessment/applications', q),
  application: (id: number) => http.get<ApplicationDetail>(`/assessment/applications/${id}`),
  material: (id: number, fileId: string) => http.blob(`/assessment/applications/${id}/materials/${fileId}`),
  approve: (id: number) => http.post<ApplicationRow>(`/assessment/applications/${id}/approve`),
  reject: (id: number, reason: string) => http.post<ApplicationRow>(`/assessment/applications/${id}/reject`, { reason }),
  assessors: (q: Query) => http.get<S['Page_AssessorRow_']>('/assessment/institutions', q),
  unassigned: (q: Query) => http.get<S['Page_AssessmentOrgRow_']>('/assessment/unassigned', q),
  assigned: (assessorId: number, q: Query) =>
    http.get<S['Page_AssessmentOrgRow_']>(`/assessment/institutions/${assessorId}/assigned`, q),
  assign: (assessorId: number, ids: number[]) => http.post<S['Assigned']>(`/assessment/institutions/${assessorId}/assign`, { ids }),
  unassign: (assessorId: number, ids: number[]) =>
    http.post<S['Unassigned']>(`/assessment/institutions/${assessorId}/unassign`, { ids }),
  setIndustryAssessor: (orgId: number, enabled: boolean) =>
    http.put<AssessmentOrgRow>(`/assessment/industry-orgs/${orgId}`, { enabled }),
  myInstitutions: (q: Query) => http.get<S['Page_AssessmentOrgRow_']>('/assessment/my-institutions', q),
}
