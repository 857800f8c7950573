/**
 * 申请修改 (after enrolment): ask the institution to allow edits (with a note); once 已允许修改,
 * edit 基本信息 / 执业信息 / 相关经历 (姓名 and 证件号码 stay locked) and 提交修改 for 确认修改.
 * What can be pressed comes from the server's actions.
 */
const assessment = require('../../../services/assessment')
const subscribe = require('../../../services/subscribe')
const status = require('../../../constants/status')
const E = require('../../../constants/enrolment')

function pendingRows(pending) {
  return E.MODIFIABLE_STEPS
    .filter(step => pending && pending[step] && Object.keys(pending[step]).length)
    .map(step => ({
      step,
      label: E.STEPS.find(s => s.step === step).label,
      fields: Object.keys(pending[step]).map(f => E.FIELD_LABELS[f] || f).join('、'),
    }))
}

Page({
  data: {
    loading: true,
    failed: false,
    statusLabel: '',
    modification: '',
    reason: '',
    pending: [],
    canRequest: false,
    canEdit: false,
    canSubmit: false,
    note: '',
    noteMax: E.LIMITS.note_max,
    steps: E.STEPS.filter(s => E.MODIFIABLE_STEPS.indexOf(s.step) >= 0),
    submitting: false,
  },

  onShow() {
    return this.load()
  },

  async load() {
    let record
    try {
      record = await assessment.record()
    } catch (e) {
      this.setData({ loading: false, failed: true })
      return null
    }
    const detail = record.modification_detail || {}
    const allowed = detail.status && detail.status.value === 'allowed'
    this.setData({
      loading: false,
      failed: false,
      statusLabel: status.label('main', record.status),
      modification: status.label('modification', detail.status || record.modification),
      reason: detail.reason || '',
      pending: pendingRows(detail.pending_changes),
      canRequest: status.has(record.actions, 'request_modification'),
      canEdit: Boolean(allowed),
      canSubmit: status.has(record.actions, 'submit_modification'),
    })
    return record
  },

  onNote(e) {
    this.setData({ note: e.detail.value })
  },

  onEdit(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.page })
  },

  async onRequest() {
    if (this.data.submitting || !this.data.canRequest) return
    this.setData({ submitting: true })
    await subscribe.ask('enrolment') // 允许修改 / 不允许修改 will be notified
    try {
      await assessment.requestModification(this.data.note.trim())
      wx.showToast({ title: '已申请修改', icon: 'success' })
      this.setData({ note: '' })
      await this.load()
    } catch (e) {
      // shown by request.js
    } finally {
      this.setData({ submitting: false })
    }
  },

  async onSubmit() {
    if (this.data.submitting || !this.data.canSubmit) return
    this.setData({ submitting: true })
    await subscribe.ask('enrolment') // 确认修改 / 驳回修改 will be notified
    try {
      await assessment.submitModification()
      wx.showToast({ title: '已提交修改', icon: 'success' })
      await this.load()
    } catch (e) {
      // shown by request.js (e.g. 尚未修改任何信息)
    } finally {
      this.setData({ submitting: false })
    }
  },
})
