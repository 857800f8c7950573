/**
 * 申请免考入口: which paper may be exempted (简易程序 → 人文医学, 一般程序 → 业务水平), the
 * province's 免考理由 to tick, 证明材料, a note; the current application and its status.
 * 提交免考申请 shows only when the server's actions include apply_exemption.
 */
const applications = require('../../../services/applications')
const subscribe = require('../../../services/subscribe')
const status = require('../../../constants/status')
const E = require('../../../constants/enrolment')
const proofs = require('../../../utils/proofs')

Page({
  data: {
    loading: true,
    failed: false,
    paper: '',
    procedure: '',
    open: false,
    canApply: false,
    statusValue: 'none',
    statusLabel: '',
    lastReason: '',
    reasons: [], // [{id, text, checked}]
    proofs: [], // [{id, name}]
    proofsMax: E.LIMITS.proofs_max,
    note: '',
    noteMax: E.LIMITS.exemption_note_max,
    applied: null, // {reasons, note}
    uploading: false,
    submitting: false,
  },

  onLoad() {
    return this.load()
  },

  async load() {
    let view
    try {
      view = await applications.exemption()
    } catch (e) {
      this.setData({ loading: false, failed: true })
      return null
    }
    const application = view.application || null
    const chosen = (application && application.reason_ids) || []
    this.setData({
      loading: false,
      failed: false,
      paper: view.paper ? status.label('paper', view.paper) : '',
      procedure: view.procedure ? status.label('procedure', view.procedure) : '',
      open: Boolean(view.open),
      canApply: status.has(view.actions, 'apply_exemption'),
      statusValue: (view.status && view.status.value) || 'none',
      statusLabel: status.label('exemption', view.status),
      lastReason: view.last_reason || '',
      reasons: (view.reasons || []).map(r => ({ id: r.id, text: r.text, checked: chosen.indexOf(r.id) >= 0 })),
      proofs: ((application && application.proofs) || []).map(p => ({ id: p.id, name: p.name || '证明材料' })),
      note: (application && application.note) || '',
      applied: application ? { reasons: (application.reason_texts || []).join('；'), note: application.note || '' } : null,
    })
    return view
  },

  onReasons(e) {
    const picked = (e.detail.value || []).map(Number)
    this.setData({ reasons: this.data.reasons.map(r => Object.assign({}, r, { checked: picked.indexOf(r.id) >= 0 })) })
  },

  onNote(e) {
    this.setData({ note: e.detail.value })
  },

  async onAddProof() {
    if (!this.data.canApply) return
    await proofs.addProof(this, applications.uploadProof)
  },

  onRemoveProof(e) {
    proofs.removeProof(this, e.currentTarget.dataset.index)
  },

  async onApply() {
    if (this.data.submitting || !this.data.canApply) return
    const reasonIds = this.data.reasons.filter(r => r.checked).map(r => r.id)
    if (!reasonIds.length) return wx.showToast({ title: '请勾选适用的免考理由', icon: 'none' })
    if (!this.data.proofs.length) return wx.showToast({ title: '请上传证明材料', icon: 'none' })
    this.setData({ submitting: true })
    await subscribe.ask('application') // the review result will be notified
    try {
      await applications.applyExemption({
        reasonIds, proofIds: this.data.proofs.map(p => p.id), note: this.data.note.trim(),
      })
      wx.showToast({ title: '免考申请已提交', icon: 'success' })
      await this.load()
    } catch (e) {
      // shown by request.js (e.g. 免考申请未开放)
    } finally {
      this.setData({ submitting: false })
    }
    return null
  },
})
