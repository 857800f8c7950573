/**
 * 我要报名 (2) 相关经历: 多机构备案信息、教育经历（可直接填最高学历）、执业经历, each a list
 * with "+" to add a row.
 */
const { stepPage, blankToNull } = require('../step')
const E = require('../../../constants/enrolment')
const format = require('../../../utils/format')

const LISTS = ['multi_site', 'education', 'practice_history']
const MAX_ROWS = { multi_site: 10, education: 10, practice_history: 20 }

function rowsOf(list, rows) {
  const blank = E.EXPERIENCE_ROWS[list]
  return (rows || []).map(row => {
    const out = {}
    Object.keys(blank).forEach(key => {
      out[key] = row[key] === null || row[key] === undefined ? '' : row[key]
    })
    return out
  })
}

function cleanRows(list, rows) {
  const out = (rows || [])
    .map(row => {
      const clean = {}
      Object.keys(E.EXPERIENCE_ROWS[list]).forEach(key => {
        clean[key] = blankToNull(row[key])
      })
      return clean
    })
    .filter(row => Object.keys(row).some(key => row[key] !== null)) // an untouched "+" row is dropped
  return out.length ? out : null
}

Page(stepPage('experience', {
  data: {
    educations: E.EDUCATIONS,
    today: format.date(new Date()),
    lists: [
      { key: 'multi_site', label: '多机构备案信息' },
      { key: 'education', label: '教育经历' },
      { key: 'practice_history', label: '执业经历' },
    ],
  },

  toForm(data) {
    const form = {}
    LISTS.forEach(list => {
      form[list] = rowsOf(list, data[list])
    })
    return form
  },

  toPayload(form) {
    const out = {}
    LISTS.forEach(list => {
      out[list] = cleanRows(list, form[list])
    })
    return out
  },

  methods: {
    onAddRow(e) {
      const list = e.currentTarget.dataset.list
      const rows = this.data.form[list] || []
      if (rows.length >= MAX_ROWS[list]) {
        wx.showToast({ title: `最多添加${MAX_ROWS[list]}条`, icon: 'none' })
        return
      }
      this.setData({ [`form.${list}`]: rows.concat([Object.assign({}, E.EXPERIENCE_ROWS[list])]) })
    },

    onRemoveRow(e) {
      const { list, index } = e.currentTarget.dataset
      const rows = (this.data.form[list] || []).slice()
      rows.splice(Number(index), 1)
      this.setData({ [`form.${list}`]: rows })
    },

    onRowField(e) {
      const { list, index, field } = e.currentTarget.dataset
      this.setData({ [`form.${list}[${index}].${field}`]: e.detail.value })
    },

    onRowEducation(e) {
      const { index } = e.currentTarget.dataset
      this.setData({ [`form.education[${index}].education`]: this.data.educations[Number(e.detail.value)] })
    },
  },
}))
