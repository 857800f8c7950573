// 题库管理: questions, Excel import/export, 知识点, 组卷方案, 抽取试卷 (server/routes/admin/question_bank.py).
import { http } from './http'
import type { Page, Query } from './http'
import type { components, operations } from './schema'

type S = components['schemas']
export type Question = S['QuestionView']
export type QuestionIn = S['QuestionIn']
export type QuestionQuery = NonNullable<operations['admin_question_bank_list_questions']['parameters']['query']>
export type KnowledgePoint = S['KnowledgePoints']['data'][number]
export type Blueprint = S['BlueprintView']
export type BlueprintIn = S['BlueprintIn']
export type Job = S['JobView']

const Q = '/question-bank'

export const questionBankApi = {
  list: (q: Query) => http.get<Page<Question>>(`${Q}/questions`, q),
  get: (id: number) => http.get<Question>(`${Q}/questions/${id}`),
  create: (body: S['QuestionCreate']) => http.post<Question>(`${Q}/questions`, body, { silent: true }),
  update: (id: number, body: QuestionIn) => http.put<Question>(`${Q}/questions/${id}`, body, { silent: true }),
  disable: (id: number) => http.post<Question>(`${Q}/questions/${id}/disable`),
  enable: (id: number) => http.post<Question>(`${Q}/questions/${id}/enable`),
  knowledgePoints: (q: Query) => http.get<S['KnowledgePoints']>(`${Q}/knowledge-points`, q),
  /** the import (POST multipart → 202 job) and its template, used by ImportDialog */
  importPath: `${Q}/import`,
  templatePath: `${Q}/import/template`,
  /** 导出: a synchronous .xlsx download with the list's filters (not a job) */
  exportXlsx: (q: Query) => http.blob(`${Q}/export`, q),
  blueprints: (cycleId: number) => http.get<S['Blueprints']>(`${Q}/cycles/${cycleId}/blueprints`),
  setBlueprint: (cycleId: number, paperType: S['PaperType'], body: BlueprintIn) =>
    http.put<Blueprint>(`${Q}/cycles/${cycleId}/blueprints/${paperType}`, body, { silent: true }),
  draw: (cycleId: number) => http.post<Job>(`${Q}/cycles/${cycleId}/papers/draw`),
}

export const PAPER_TYPES = [
  { value: 'humanities', label: '人文医学' },
  { value: 'professional', label: '业务水平' },
]
export const CATEGORIES = [
  { value: 'clinical', label: '临床' },
  { value: 'tcm', label: '中医' },
  { value: 'dental', label: '口腔' },
  { value: 'public_health', label: '公共卫生' },
]
export const QTYPES = [
  { value: 'single', label: '单选题' },
  { value: 'multiple', label: '多选题' },
  { value: 'judge', label: '判断题' },
]
export const DIFFICULTIES = [
  { value: 'easy', label: '易' },
  { value: 'medium', label: '中' },
  { value: 'hard', label: '难' },
]
