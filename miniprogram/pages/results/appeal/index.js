/**
 * 复核申请: a physician who disagrees with the result applies within 30 days of receiving it
 * (reason + 证明材料), once; then the assessment institution's 维持 / 变更 shows here.
 */
const results = require('../../../services/results')
const assessment = require('../../../services/assessment')
const proofs = require('../../../utils/proofs')
const format = require('../../../utils/format')

Page({
  data: { loading: true, failed: false, state: null, reason: '', proofs: [], proofsMax: 20, uploading: false, submitting: false },

  onLoad() {
    return this.load()
  },

  async load() {
    try {
      const a = await results.appeal()
      this.setData({ loading: false, failed: false, state: this.view(a) })
      return a
    } catch (e) {
      this.setData({ loading: false, failed: true })
      return null
    }
  },

  view(a) {
    return {
      status: a.status.label,
      result: a.result.label,
      canApply: Boolean(a.can_apply),
      deadline: a.deadline ? format.dateTime(a.deadline) : '',
      reason: a.reason || '',
      decision: a.decision_reason || '',
      resultAfter: a.result_after || '',
      applied: a.status.value !== 'none',
    }
  },

  onReasonInput(e) { this.setData({ reason: e.detail.value }) },
  onAddProof() { return proofs.addProof(this, assessment.uploadProof) },
  onRemoveProof(e) { proofs.removeProof(this, e.currentTarget.dataset.index) },

  async onSubmit() {
    if (this.data.submitting) return null
    if (!this.data.reason.trim()) return wx.showToast({ title: '请填写复核理由', icon: 'none' })
    this.setData({ submitting: true })
    try {
      const a = await results.applyAppeal({ reason: this.data.reason, proofIds: this.data.proofs.map(p => p.id) })
      this.setData({ state: this.view(a) })
      wx.showToast({ title: '复核申请已提交', icon: 'success' })
    } catch (e) {
      // shown by request.js
    } finally {
      this.setData({ submitting: false })
    }
    return null
  },
})
