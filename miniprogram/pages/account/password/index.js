/**
 * 修改密码 (at any time, from 账户设置): 原密码 + 新密码 (the province's rule) → the other sessions of
 * the account end; this one goes on.
 */
const auth = require('../../../services/auth')
const validate = require('../../../utils/validate')

Page({
  data: { oldPassword: '', newPassword: '', confirmPassword: '', submitting: false },

  onOldInput(e) { this.setData({ oldPassword: e.detail.value }) },
  onNewInput(e) { this.setData({ newPassword: e.detail.value }) },
  onConfirmInput(e) { this.setData({ confirmPassword: e.detail.value }) },

  async onSubmit() {
    if (this.data.submitting) return null
    const { oldPassword, newPassword, confirmPassword } = this.data
    if (!oldPassword) return wx.showToast({ title: '请输入原密码', icon: 'none' })
    const problem = validate.passwordProblem(newPassword)
    if (problem) return wx.showToast({ title: problem, icon: 'none' })
    if (newPassword !== confirmPassword) return wx.showToast({ title: '两次输入的新密码不一致', icon: 'none' })
    this.setData({ submitting: true })
    try {
      await auth.changePassword({ oldPassword, newPassword })
      wx.showToast({ title: '密码已修改', icon: 'success' })
      wx.navigateBack()
    } catch (e) {
      // shown by request.js
    } finally {
      this.setData({ submitting: false })
    }
    return null
  },
})
