/**
 * 确认信息: the five steps as label/value rows for reading (pure, no I/O).
 */
const E = require('../../constants/enrolment')
const status = require('../../constants/status')

function shown(value) {
  if (value === null || value === undefined || value === '') return ''
  if (typeof value === 'boolean') return value ? '是' : '否'
  if (Array.isArray(value)) return value.join('、')
  if (typeof value === 'object' && 'label' in value) return value.label
  return String(value)
}

function row(field, value) {
  return { field, label: E.FIELD_LABELS[field] || field, value: shown(value) }
}

function departmentName(view, id) {
  const found = (view.departments || []).find(d => d.id === id)
  return found ? found.name : ''
}

/** 执业类别 / 医师级别: a value of the view's pickers shown by its label. */
function pickerLabel(view, kind, value) {
  if (value && typeof value === 'object') return value
  const found = (((view || {}).pickers || {})[kind] || []).find(o => o.value === value)
  return found ? found.label : value
}

function count(list) {
  return list && list.length ? `${list.length}条` : ''
}

function preview(text) {
  const chars = Array.from(text || '')
  return chars.length > 60 ? `${chars.slice(0, 60).join('')}…（共${chars.length}字）` : chars.join('')
}

const BUILDERS = {
  basic(d) {
    return ['name', 'gender', 'ethnicity', 'birth_date', 'id_type', 'id_number', 'education', 'email', 'phone']
      .map(f => row(f, d[f]))
  },
  practice(d, view) {
    return [
      row('department_id', departmentName(view, d.department_id)),
      row('specialties', d.specialties),
      row('title', d.title),
      row('title_date', d.title_date),
      row('position', d.position),
      row('position_date', d.position_date),
      row('level', pickerLabel(view, 'level', d.level)),
      row('is_resident', d.is_resident),
      row('category', pickerLabel(view, 'category', d.category)),
      row('practice_scope', d.practice_scope),
      row('employment', d.employment),
      row('qualification_cert_no', d.qualification_cert_no),
      row('practice_cert_no', d.practice_cert_no),
    ]
  },
  experience(d) {
    return [row('multi_site', count(d.multi_site)), row('education', count(d.education)),
      row('practice_history', count(d.practice_history))]
  },
  self_assessment(d) {
    return ['work_performance', 'ethics', 'professional_level'].map(f => row(f, preview(d[f])))
  },
  procedure(d, view) {
    const rows = [row('procedure', d.procedure ? status.label('procedure', d.procedure) : '')]
    if (d.procedure === 'simple') {
      const texts = (view.simple_conditions || []).filter(c => (d.conditions || []).indexOf(c.index) >= 0)
        .map(c => c.text)
      rows.push(row('conditions', texts))
      rows.push(row('proof_ids', (d.proof_ids || []).length ? `${d.proof_ids.length}个` : ''))
      rows.push(row('report', preview(d.report)))
    }
    return rows
  },
}

/** [{step, label, page, rows, missing}] in the order of the steps. */
function sections(view) {
  return E.STEPS.map(s => {
    const stepView = (view.steps || []).find(x => x.step === s.step) || { data: {}, missing: [] }
    return {
      step: s.step,
      label: s.label,
      page: s.page,
      rows: BUILDERS[s.step](stepView.data || {}, view),
      missing: (stepView.missing || []).map(m => m.label).join('、'),
    }
  })
}

/** The server's missing list [{step_label, label}] grouped: [{step, text}]. */
function missingByStep(missing) {
  const out = []
  ;(missing || []).forEach(m => {
    const name = m.step_label || m.step || ''
    let group = out.find(g => g.step === name)
    if (!group) {
      group = { step: name, labels: [] }
      out.push(group)
    }
    group.labels.push(m.label || m.field)
  })
  return out.map(g => ({ step: g.step, text: g.labels.join('、') }))
}

module.exports = { sections, missingByStep, shown }
