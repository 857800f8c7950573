// 本周期考核设置 and 免考设置 (server/routes/admin/cycles.py, registrations.py, publication.py).
// `cycleApi` in areas.ts (首页) stays there; this module is the settings pages' one.
import { http } from './http'
import type { components } from './schema'

type S = components['schemas']
export type Cycle = S['CycleView']
export type CycleWindows = S['CycleWindows']
export type WindowKey = keyof CycleWindows
export type EvaluationItems = S['EvaluationItems']
export type ExamSettings = S['ExamSettings']
export type PaperType = S['PaperType']
export type PasswordRule = S['PasswordRuleUpdate']['rule']
export type ExemptionReason = S['ExemptionReasonView']

const c = (id: number) => `/cycles/${id}`

export const cyclesApi = {
  /** 404 cycle_not_found when the province has none yet (silent: the page shows it) */
  current: (provinceId?: number) =>
    http.get<Cycle>('/cycles/current', { province_id: provinceId }, { silent: true }),
  /** the provinces under the national office (it reads any province's cycle) */
  provinces: async () =>
    (await http.get<S['RegionTree']>('/regions/tree', { depth: 1 })).data.flatMap((n) => n.children)
      .map((r) => ({ value: r.id, label: r.name })),
  get: (id: number) => http.get<Cycle>(c(id)),
  create: (body: S['CycleCreate']) => http.post<Cycle>('/cycles', body, { silent: true }),
  update: (id: number, body: S['CycleUpdate']) => http.put<Cycle>(c(id), body, { silent: true }),
  setWindows: (id: number, body: CycleWindows) => http.put<Cycle>(`${c(id)}/windows`, body, { silent: true }),
  setEvaluationItems: (id: number, body: EvaluationItems) =>
    http.put<Cycle>(`${c(id)}/evaluation-items`, body, { silent: true }),
  setExamSettings: (id: number, body: ExamSettings) => http.put<Cycle>(`${c(id)}/exam-settings`, body, { silent: true }),
  setSimpleConditions: (id: number, body: S['SimpleConditions']) =>
    http.put<Cycle>(`${c(id)}/simple-conditions`, body, { silent: true }),
  setPasswordRule: (id: number, rule: PasswordRule) => http.put<Cycle>(`${c(id)}/password-rule`, { rule }, { silent: true }),
  setSelfRegistration: (id: number, enabled: boolean) =>
    http.put<S['PublicationState']>(`${c(id)}/self-registration`, { enabled }),
  setPublishViolations: (id: number, enabled: boolean) =>
    http.put<S['PublicationState']>(`${c(id)}/publish-violations`, { enabled }),
  // 免考设置
  addReason: (id: number, body: S['ExemptionReasonCreate']) =>
    http.post<ExemptionReason>(`${c(id)}/exemption-reasons`, body, { silent: true }),
  editReason: (id: number, reasonId: number, text: string) =>
    http.put<ExemptionReason>(`${c(id)}/exemption-reasons/${reasonId}`, { text }, { silent: true }),
  deleteReason: (id: number, reasonId: number) => http.del<S['Done']>(`${c(id)}/exemption-reasons/${reasonId}`),
  openExemption: (id: number, paper: PaperType) => http.post<S['ExemptionOpenView']>(`${c(id)}/exemptions/${paper}/open`),
  closeExemption: (id: number, paper: PaperType) =>
    http.post<S['ExemptionOpenView']>(`${c(id)}/exemptions/${paper}/close`),
}

export const PAPERS: { value: PaperType; label: string }[] = [
  { value: 'humanities', label: '人文医学' },
  { value: 'professional', label: '业务水平' },
]
