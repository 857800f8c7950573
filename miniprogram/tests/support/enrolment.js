/** A GET /enrolment answer shaped like server/services/enrolment.py view(). */
function enrolmentView(overrides = {}) {
  const steps = {
    basic: {
      data: { name: '欣欣', id_number: '120104198409260428', phone: '15640403786', gender: '女', ethnicity: null,
        birth_date: '1984-09-26', id_type: '身份证', education: '本科', email: null },
      read_only: ['name', 'id_number', 'phone'],
      missing: [{ step: 'basic', step_label: '基本信息', field: 'ethnicity', label: '民族' },
        { step: 'basic', step_label: '基本信息', field: 'email', label: '电子邮件' }],
    },
    practice: {
      data: { qualification_cert_no: 'Q1', practice_cert_no: 'P1', category: 'clinical',
        level: 'physician', department_id: 3, specialties: ['普通外科专业'],
        title: null, title_date: null, position: null, position_date: null, is_resident: null,
        practice_scope: '外科专业', employment: null },
      read_only: ['qualification_cert_no', 'practice_cert_no'],
      missing: [],
    },
    experience: { data: { multi_site: null, education: null, practice_history: null }, read_only: [], missing: [] },
    self_assessment: { data: { work_performance: '认真', ethics: '良好', professional_level: null }, read_only: [], missing: [] },
    procedure: { data: { procedure: 'simple', conditions: [1], proof_ids: ['p1'], report: '' }, read_only: [], missing: [] },
  }
  const editable = overrides.editable !== undefined ? overrides.editable : true
  return Object.assign({
    status: { value: 'included', label: '已开通报名' },
    modification: { value: 'none', label: '无' },
    mode: editable ? 'enrolment' : 'view',
    editable,
    photo: { file_id: null },
    steps: Object.keys(steps).map(step => Object.assign({ step, label: step, saved: false, editable, pending: null }, steps[step])),
    proofs: [{ id: 'p1', name: '执业证书.pdf', content_type: 'application/pdf', size: 10 }],
    simple_conditions: [
      { index: 0, text: '本周期内未发生医疗事故' },
      { index: 1, text: '获得市级以上表彰' },
      { index: 2, text: '连续从事本专业工作满15年' },
    ],
    departments: [{ id: 3, name: '外科', parent_id: null, level: 1 }, { id: 4, name: '内科', parent_id: null, level: 1 }],
    missing: [],
    complete: false,
    limits: { report_max: 2000, self_text_max: 1000 },
    pickers: {
      category: [{ value: 'clinical', label: '临床' }, { value: 'tcm', label: '中医' }, { value: 'dental', label: '口腔' },
        { value: 'public_health', label: '公共卫生' }],
      level: [{ value: 'physician', label: '执业医师' }, { value: 'assistant', label: '执业助理医师' }],
      specialties: { clinical: ['内科专业', '普通外科专业', '神经外科专业'], dental: ['口腔专业', '口腔正畸专业'],
        tcm: ['中医专业'], public_health: ['公共卫生类别专业'] },
    },
    actions: [{ action: 'submit_enrolment', label: '提交信息', flow: 'main' }],
  }, overrides)
}

module.exports = { enrolmentView }
