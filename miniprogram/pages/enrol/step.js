/**
 * What the five 我要报名 step pages share: load the enrolment (drafts over the registry data),
 * show this step's read-only fields greyed and what is still missing, 保存 (a draft, or the
 * pending edits of 申请修改), 下一步 (save, then the next step) and 返回.
 *
 *   Page(stepPage('basic', { data, toForm(stepData, view), toPayload(form), check(),
 *                            extra(view, stepView, form) → more data, methods }))
 */
const assessment = require('../../services/assessment')
const status = require('../../constants/status')
const E = require('../../constants/enrolment')

function stepsBar(step) {
  const at = E.STEPS.findIndex(s => s.step === step)
  return E.STEPS.map((s, i) => ({ no: i + 1, label: s.label, state: i < at ? 'done' : i === at ? 'active' : '' }))
}

function nextPage(step) {
  const at = E.STEPS.findIndex(s => s.step === step)
  return at + 1 < E.STEPS.length ? E.STEPS[at + 1].page : E.CONFIRM_PAGE
}

function shown(value) {
  if (value && typeof value === 'object' && 'label' in value) return value.label
  return value === null || value === undefined ? '' : String(value)
}

/** 姓名, 证件号码, 手机号 / 证书编号, 执业类别, 医师级别: shown, never sent. */
function readOnlyRows(step, data) {
  const fields = E.READ_ONLY[step] || {}
  return Object.keys(fields).map(field => ({ field, label: fields[field], value: shown((data || {})[field]) }))
}

/** '' and blanks become null: a draft may leave a field empty. */
function blankToNull(value) {
  if (typeof value === 'string') {
    const trimmed = value.trim()
    return trimmed === '' ? null : trimmed
  }
  return value === undefined ? null : value
}

function pick(data, fields) {
  const out = {}
  fields.forEach(field => {
    const value = (data || {})[field]
    out[field] = value === null || value === undefined ? '' : value
  })
  return out
}

function cleanPayload(form, fields) {
  const out = {}
  fields.forEach(field => {
    out[field] = blankToNull(form[field])
  })
  return out
}

function missingText(missing) {
  return (missing || []).map(m => m.label).join('、')
}

function stepPage(step, spec) {
  const fields = E.EDITABLE[step]
  const page = {
    data: Object.assign({
      loading: true,
      failed: false,
      step,
      steps: stepsBar(step),
      isLast: step === 'procedure',
      mode: 'enrolment',
      editable: false,
      statusLabel: '',
      readonly: [],
      missing: [],
      missingText: '',
      form: {},
      saving: false,
    }, spec.data || {}),

    onLoad(query) {
      this._query = query || {}
      return this.load()
    },

    async load() {
      let view
      try {
        view = await assessment.enrolment()
      } catch (e) {
        this.setData({ loading: false, failed: true })
        return null
      }
      const stepView = (view.steps || []).find(s => s.step === step) || { data: {}, missing: [] }
      this._view = view
      const form = spec.toForm ? spec.toForm(stepView.data || {}, view) : pick(stepView.data, fields)
      this.setData(Object.assign({
        loading: false,
        failed: false,
        mode: view.mode,
        editable: Boolean(stepView.editable),
        statusLabel: status.label('main', view.status),
        readonly: readOnlyRows(step, stepView.data),
        missing: stepView.missing || [],
        missingText: missingText(stepView.missing),
        form,
      }, spec.extra ? spec.extra.call(this, view, stepView, form) : {}))
      return view
    },

    /** input / textarea / picker / radio-group with data-field="<name>" */
    onField(e) {
      this.setData({ [`form.${e.currentTarget.dataset.field}`]: e.detail.value })
    },

    /** picker over a list in data: data-field="education" data-options="educations" */
    onPick(e) {
      const { field, options } = e.currentTarget.dataset
      const value = this.data[options][Number(e.detail.value)]
      this.setData({ [`form.${field}`]: value })
    },

    /** Why the step cannot be saved as it is ('' when it can): the page's own check. */
    problem() {
      return spec.check ? spec.check.call(this) : ''
    },

    payload() {
      return spec.toPayload ? spec.toPayload.call(this, this.data.form) : cleanPayload(this.data.form, fields)
    },

    /** 保存: true when saved (or nothing to save). */
    async save({ quiet = false } = {}) {
      if (!this.data.editable) return true
      if (this.data.saving) return false
      const problem = this.problem()
      if (problem) {
        wx.showToast({ title: problem, icon: 'none' })
        return false
      }
      const payload = this.payload()
      this.setData({ saving: true })
      try {
        if (this.data.mode === 'modification') {
          await assessment.saveModification({ [step]: payload })
        } else {
          const saved = await assessment.saveStep(step, payload)
          this.setData({ missing: saved.missing || [], missingText: missingText(saved.missing) })
        }
        if (!quiet) wx.showToast({ title: '已保存', icon: 'success' })
        return true
      } catch (e) {
        return false // request.js showed why (e.g. 电子邮件格式有误); nothing typed is lost
      } finally {
        this.setData({ saving: false })
      }
    },

    onSave() {
      return this.save()
    },

    async onNext() {
      if (this.data.saving) return false
      if (!(await this.save({ quiet: true }))) return false
      wx.navigateTo({ url: nextPage(step) })
      return true
    },

    onBack() {
      wx.navigateBack({ fail: () => wx.reLaunch({ url: '/pages/home/index' }) })
    },
  }
  Object.assign(page, spec.methods || {})
  return page
}

module.exports = { stepPage, stepsBar, nextPage, readOnlyRows, blankToNull, cleanPayload, pick, missingText }
