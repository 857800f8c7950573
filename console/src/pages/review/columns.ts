import { label, type Cols } from '../../columns'

/** the moves of each review queue (server/services/assessment/progress.py QUEUES; 复核申请 also 变更); tests/integration/test_console.py checks the copy */
export const QUEUE_ACTIONS: Record<string, string[]> = {
  enrolment_report: ['hi_approve_enrolment', 'hi_reject_enrolment'],
  modification: ['hi_allow_modification', 'hi_refuse_modification', 'hi_confirm_modification', 'hi_return_modification'],
  evaluation: ['hi_submit_evaluation', 'hi_reject_procedure'],
  exemption_audit: ['hi_submit_exemption', 'hi_return_exemption', 'hi_refuse_exemption'],
  delay_audit: ['hi_approve_delay', 'hi_reject_delay'],
  enrolment_confirm: ['ai_confirm_enrolment', 'ai_reject_enrolment'],
  review: ['ai_submit_review', 'ai_reject_review'],
  exemption_review: ['ai_approve_exemption', 'ai_return_exemption', 'ai_refuse_exemption'],
  results: ['ai_confirm_results'],
  appeal_review: ['ai_uphold_result', 'ai_change_result'],
  delay_approval: ['admin_approve_delay', 'admin_reject_delay'],
  reexam_list: ['admin_confirm_reexam'],
  reexam_judging: ['admin_judge_reexam'],
}

/** the batch-capable moves of each queue, with the toolbar's words (seeds: 批量通过, 批量提交, 批量确认) */
export const QUEUE_BATCH: Record<string, { action: string; label: string }[]> = {
  enrolment_report: [{ action: 'hi_approve_enrolment', label: '批量通过' }],
  enrolment_confirm: [{ action: 'ai_confirm_enrolment', label: '批量通过' }],
  review: [{ action: 'ai_submit_review', label: '批量提交' }],
  results: [{ action: 'ai_confirm_results', label: '批量确认' }],
}

/** which status the queue is about: its flow's column */
export const QUEUE_STATUS: Record<string, { key: string; title: string }> = {
  modification: { key: 'modification', title: '修改状态' },
  exemption_audit: { key: 'exemption', title: '免考状态' },
  exemption_review: { key: 'exemption', title: '免考状态' },
  delay_audit: { key: 'delay', title: '延期状态' },
  delay_approval: { key: 'delay', title: '延期状态' },
}

/** queues whose rows have a printable 延期考核申请表 */
export const DELAY_QUEUES = new Set(['delay_audit', 'delay_approval'])

export function queueColumns(queue: string, batch: boolean): Cols {
  const status = QUEUE_STATUS[queue] ?? { key: 'status', title: '考核状态' }
  const results = queue === 'evaluation' || queue === 'review'
  return [
    ...(batch ? [{ colKey: 'row-select', type: 'multiple' as const, width: 46, fixed: 'left' as const }] : []),
    { colKey: 'physician.name', title: '姓名', width: 100, ellipsis: true, fixed: 'left', cell: label('physician.name') },
    { colKey: 'physician.id_number', title: '身份证号', width: 175, cell: label('physician.id_number') },
    { colKey: 'physician.phone', title: '手机号码', width: 120, cell: label('physician.phone') },
    { colKey: 'physician.department', title: '科室', width: 100, ellipsis: true, cell: label('physician.department') },
    { colKey: 'institution', title: '卫生机构', width: 160, ellipsis: true, cell: label('institution') },
    { colKey: 'physician.category', title: '执业类别', width: 90, cell: label('physician.category') },
    { colKey: 'procedure', title: '考核程序', width: 90, cell: label('procedure') },
    ...(results ? [
      { colKey: 'work_result', title: '工作成绩', width: 90, cell: label('work_result') },
      { colKey: 'ethics_result', title: '职业道德', width: 90, cell: label('ethics_result') },
    ] : []),
    { colKey: status.key, title: status.title, width: 130 },
    { colKey: 'last_reason', title: '最近意见', width: 140, ellipsis: true, cell: label('last_reason') },
    { colKey: 'op', title: '操作', width: 190, fixed: 'right' },
  ]
}

/** the columns shown until the user picks others (列设置): a health institution's own queues need no
 * 卫生机构 column; 手机号码 (and 最近意见 for the other roles) on demand, so the page fits 1366 px */
export function defaultColumns(cols: Cols, role: string): string[] {
  const hidden = role === 'health_institution' ? ['physician.phone', 'institution'] : ['physician.phone', 'last_reason']
  return cols.map((c) => String(c.colKey)).filter((k) => !hidden.includes(k))
}
