// Filter options mirroring server enums (server/models/assessment.py AssessmentStatus) until /meta/enums exists.
export const ASSESSMENT_STATUS = [
  ['not_included', '未开通报名'], ['included', '已开通报名'], ['enrol_submitted', '待卫生机构审核'],
  ['enrol_returned', '报名信息被驳回'], ['enrol_reported', '待考核机构确认'], ['enrolled', '待卫生机构评定'],
  ['procedure_returned', '待重新选择考核程序'], ['evaluated', '待考核机构复核'], ['awaiting_exam', '待参加测评'],
  ['exams_done', '待成绩评定'], ['qualified', '合格'], ['failed', '不合格'], ['reexam_listed', '待再次考核'],
  ['reexam_done', '再次考核待评定'], ['final_failed', '再次考核不合格'], ['left', '已退出当前周期'],
].map(([value, label]) => ({ value, label }))

export const ORG_KINDS = [
  { value: 'administration', label: '地方卫健委' },
  { value: 'health_institution', label: '卫生机构' },
  { value: 'industry_org', label: '行业组织' },
]
