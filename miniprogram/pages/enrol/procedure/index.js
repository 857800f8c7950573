/**
 * 我要报名 (4) 选择考核程序: 简易程序 (conditions met, 证明材料, 述职报告 of at most 2000
 * characters with a live counter) or 一般程序; then 确认信息. After the institution's 驳回
 * (待重新选择考核程序) the same page makes the move 重新选择考核程序 → 提交信息.
 */
const { stepPage } = require('../step')
const assessment = require('../../../services/assessment')
const subscribe = require('../../../services/subscribe')
const status = require('../../../constants/status')
const E = require('../../../constants/enrolment')
const validate = require('../../../utils/validate')
const proofs = require('../../../utils/proofs')

function reportState(report, max) {
  const reportLength = validate.textLength(report)
  return { reportLength, reportOver: reportLength > max }
}

Page(stepPage('procedure', {
  data: {
    procedures: [
      { value: 'simple', label: status.PROCEDURE.simple },
      { value: 'general', label: status.PROCEDURE.general },
    ],
    conditions: [], // [{index, text, checked}]
    simpleAvailable: true,
    proofs: [], // [{id, name}]
    proofsMax: E.LIMITS.proofs_max,
    reportMax: E.LIMITS.report_max,
    reportLength: 0,
    reportOver: false,
    resubmit: false,
    lastReason: '',
    professionalLevel: '',
    uploading: false,
    submitting: false,
  },

  toForm(data) {
    return { procedure: data.procedure || '', conditions: data.conditions || [], report: data.report || '' }
  },

  extra(view, stepView, form) {
    const reportMax = (view.limits && view.limits.report_max) || E.LIMITS.report_max
    const resubmit = status.has(view.actions, 'resubmit_procedure')
    const chosen = form.conditions || []
    const self = (view.steps || []).find(s => s.step === 'self_assessment') || { data: {} }
    this._selfAssessment = self.data || {}
    return Object.assign({
      reportMax,
      resubmit,
      editable: Boolean(stepView.editable) || resubmit,
      conditions: (view.simple_conditions || []).map(c => ({ index: c.index, text: c.text, checked: chosen.indexOf(c.index) >= 0 })),
      simpleAvailable: (view.simple_conditions || []).length > 0,
      proofs: (view.proofs || []).map(p => ({ id: p.id, name: p.name || '证明材料' })),
      professionalLevel: (self.data && self.data.professional_level) || '',
    }, reportState(form.report, reportMax))
  },

  check() {
    if (!this.data.form.procedure) return '请选择考核程序'
    if (this.data.form.procedure === 'simple' && this.data.reportOver) return `述职报告不能超过${this.data.reportMax}字`
    return ''
  },

  toPayload(form) {
    if (form.procedure !== 'simple') return { procedure: form.procedure }
    return {
      procedure: 'simple',
      conditions: this.data.conditions.filter(c => c.checked).map(c => c.index),
      proof_ids: this.data.proofs.map(p => p.id),
      report: form.report,
    }
  },

  methods: {
    onProcedure(e) {
      this.setData({ 'form.procedure': e.detail.value })
    },

    onConditions(e) {
      const picked = (e.detail.value || []).map(Number)
      this.setData({ conditions: this.data.conditions.map(c => Object.assign({}, c, { checked: picked.indexOf(c.index) >= 0 })) })
    },

    onReport(e) {
      const report = e.detail.value
      this.setData(Object.assign({ 'form.report': report }, reportState(report, this.data.reportMax)))
    },

    onProfessionalLevel(e) {
      this.setData({ professionalLevel: e.detail.value })
    },

    async onAddProof() {
      if (!this.data.editable) return
      await proofs.addProof(this, assessment.uploadProof)
    },

    onRemoveProof(e) {
      proofs.removeProof(this, e.currentTarget.dataset.index)
    },

    /** 重新选择考核程序 → 提交信息 (待重新选择考核程序 only). */
    async onResubmit() {
      if (this.data.submitting || !this.data.resubmit) return
      const problem = this.problem()
      if (problem) {
        wx.showToast({ title: problem, icon: 'none' })
        return
      }
      this.setData({ submitting: true }) // a second tap from here on does nothing
      await subscribe.ask('enrolment') // asked straight from the tap: nothing awaited before it
      const payload = this.payload()
      let self = null
      if (payload.procedure === 'simple') {
        const saved = this._selfAssessment || {}
        self = {
          work_performance: saved.work_performance || null,
          ethics: saved.ethics || null,
          professional_level: this.data.professionalLevel.trim() || null,
        }
      }
      try {
        const summary = await assessment.resubmitProcedure(payload, self)
        wx.showModal({
          title: '提交成功',
          content: (summary && summary.hint) || '考核程序已提交。',
          showCancel: false,
          success: () => wx.reLaunch({ url: '/pages/home/index' }),
        })
      } catch (e) {
        // shown by request.js; the choices stay on the page
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
}))
