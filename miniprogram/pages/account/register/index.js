/**
 * 快速注册 (where the province opened it): who, 执业类别 / 医师级别, the two certificate numbers, the
 * institution found by name, a password of one's own → waits for the institution's 注册审核.
 */
const auth = require('../../../services/auth')
const validate = require('../../../utils/validate')

const CATEGORIES = [{ value: 'clinical', label: '临床' }, { value: 'tcm', label: '中医' },
  { value: 'dental', label: '口腔' }, { value: 'public_health', label: '公共卫生' }]
const LEVELS = [{ value: 'physician', label: '执业医师' }, { value: 'assistant', label: '执业助理医师' }]

Page({
  data: {
    categories: CATEGORIES, levels: LEVELS, categoryIndex: 0, levelIndex: 0,
    name: '', idNumber: '', qualificationCertNo: '', practiceCertNo: '', password: '', confirmPassword: '',
    keyword: '', options: [], institution: null, idHint: '', done: '', submitting: false,
  },

  onInput(e) { this.setData({ [e.currentTarget.dataset.field]: e.detail.value }) },
  onIdInput(e) { this.setData({ idNumber: e.detail.value, idHint: validate.idNumberHint(e.detail.value) || '' }) },
  onCategory(e) { this.setData({ categoryIndex: Number(e.detail.value) }) },
  onLevel(e) { this.setData({ levelIndex: Number(e.detail.value) }) },

  async onSearch() {
    if (!this.data.keyword.trim()) return wx.showToast({ title: '请输入执业机构名称', icon: 'none' })
    try {
      const r = await auth.searchInstitutions(this.data.keyword)
      this.setData({ options: r.data || [] })
      if (!(r.data || []).length) wx.showToast({ title: '未找到该机构（或所在省份未开放快速注册）', icon: 'none' })
    } catch (e) {
      // shown by request.js
    }
    return null
  },

  onPick(e) {
    const picked = this.data.options[Number(e.currentTarget.dataset.index)]
    this.setData({ institution: picked, options: [] })
  },

  async onSubmit() {
    if (this.data.submitting) return null
    const d = this.data
    if (!d.name.trim() || !d.idNumber.trim() || !d.qualificationCertNo.trim() || !d.practiceCertNo.trim()) {
      return wx.showToast({ title: '请完整填写注册信息', icon: 'none' })
    }
    if (!d.institution) return wx.showToast({ title: '请搜索并选择执业机构', icon: 'none' })
    const problem = validate.passwordProblem(d.password)
    if (problem) return wx.showToast({ title: problem.replace('新密码', '密码'), icon: 'none' })
    if (d.password !== d.confirmPassword) return wx.showToast({ title: '两次输入的密码不一致', icon: 'none' })
    this.setData({ submitting: true })
    try {
      const r = await auth.register({
        name: d.name, idNumber: d.idNumber, institutionId: d.institution.id,
        category: CATEGORIES[d.categoryIndex].value, level: LEVELS[d.levelIndex].value,
        qualificationCertNo: d.qualificationCertNo, practiceCertNo: d.practiceCertNo, password: d.password,
      })
      this.setData({ done: r.message })
    } catch (e) {
      // shown by request.js (e.g. 本省未开放快速注册, 该证件号码已注册)
    } finally {
      this.setData({ submitting: false })
    }
    return null
  },
})
