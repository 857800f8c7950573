/**
 * 我要报名 (3) 工作成绩、职业道德自评 (业务水平自评: required for 简易程序). Each text has a
 * live counter; above the limit 保存 and 下一步 are refused (nothing is cut off silently).
 */
const { stepPage, blankToNull } = require('../step')
const E = require('../../../constants/enrolment')
const validate = require('../../../utils/validate')

const TEXTS = [
  { key: 'practice_conduct', label: '执业行为记录', required: true,
    placeholder: '请填写本周期的执业行为记录（如有无不良执业行为）' },
  { key: 'work_performance', label: '工作成绩自评', required: true,
    placeholder: '请对本周期的工作成绩进行自评' },
  { key: 'ethics', label: '职业道德自评', required: true, placeholder: '请对本周期的职业道德进行自评' },
  { key: 'professional_level', label: '业务水平自评', required: false,
    placeholder: '申请简易程序的医师须填写业务水平自评' },
]

function counts(form, max) {
  const out = {}
  TEXTS.forEach(t => {
    const n = validate.textLength(form[t.key])
    out[t.key] = { n, over: n > max }
  })
  return out
}

Page(stepPage('self_assessment', {
  data: {
    texts: TEXTS,
    max: E.LIMITS.self_text_max,
    counts: {},
    over: false,
    items: [], // the province's 考核内容, one entry each: {group, groupLabel, index, name}
  },

  toForm(data) {
    const form = {}
    TEXTS.forEach(t => {
      form[t.key] = data[t.key] || ''
    })
    form.item_texts = Object.assign({}, data.item_texts || {})
    return form
  },

  extra(view, stepView, form) {
    const max = (view.limits && view.limits.self_text_max) || E.LIMITS.self_text_max
    const c = counts(form, max)
    const items = []
    const groups = { work_performance: '工作成绩', ethics: '职业道德' }
    Object.keys(groups).forEach(group => {
      ((view.evaluation_items || {})[group] || []).forEach((name, index) => {
        items.push({ group, groupLabel: groups[group], index, name, text: ((form.item_texts || {})[group] || [])[index] || '' })
      })
    })
    return { max, counts: c, over: TEXTS.some(t => c[t.key].over), items }
  },

  check() {
    const over = TEXTS.find(t => this.data.counts[t.key] && this.data.counts[t.key].over)
    return over ? `${over.label}不能超过${this.data.max}字` : ''
  },

  toPayload(form) {
    const out = {}
    TEXTS.forEach(t => {
      out[t.key] = blankToNull(form[t.key])
    })
    // one entry per item of the province's 考核内容 (sent only when the province set items)
    const byGroup = {}
    this.data.items.forEach(item => {
      byGroup[item.group] = byGroup[item.group] || []
      byGroup[item.group][item.index] = ((form.item_texts || {})[item.group] || [])[item.index] || ''
    })
    if (Object.keys(byGroup).length) out.item_texts = byGroup
    return out
  },

  methods: {
    onItemText(e) {
      const { group, index } = e.currentTarget.dataset
      const itemTexts = Object.assign({}, this.data.form.item_texts || {})
      const list = (itemTexts[group] || []).slice()
      list[Number(index)] = e.detail.value
      itemTexts[group] = list
      this.setData({ 'form.item_texts': itemTexts })
    },

    onText(e) {
      const field = e.currentTarget.dataset.field
      const form = Object.assign({}, this.data.form, { [field]: e.detail.value })
      const c = counts(form, this.data.max)
      this.setData({ [`form.${field}`]: e.detail.value, counts: c, over: TEXTS.some(t => c[t.key].over) })
    },
  },
}))
