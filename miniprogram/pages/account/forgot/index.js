/**
 * 忘记密码: 证件号码 → 获取验证码 (sent to the phone bound to the account) → 验证码 + 新密码 → 重置密码.
 * The server's answer never says whether the ID number exists; this page only repeats it.
 */
const auth = require('../../../services/auth')
const validate = require('../../../utils/validate')

const SMS_WAIT = 60

Page({
  data: { idNumber: '', smsCode: '', newPassword: '', confirmPassword: '', sent: '', smsWait: 0, sending: false, submitting: false },

  onUnload() {
    if (this._timer) clearInterval(this._timer)
  },

  onIdInput(e) { this.setData({ idNumber: e.detail.value }) },
  onCodeInput(e) { this.setData({ smsCode: e.detail.value }) },
  onNewInput(e) { this.setData({ newPassword: e.detail.value }) },
  onConfirmInput(e) { this.setData({ confirmPassword: e.detail.value }) },

  async onSendCode() {
    if (this.data.sending || this.data.smsWait > 0) return
    if (!this.data.idNumber.trim()) return wx.showToast({ title: '请输入证件号码', icon: 'none' })
    this.setData({ sending: true })
    try {
      const r = await auth.forgotPasswordCode(this.data.idNumber)
      this.setData({ sent: r.message, smsWait: r.resend_after || SMS_WAIT })
      this._timer = setInterval(() => {
        const left = this.data.smsWait - 1
        this.setData({ smsWait: Math.max(0, left) })
        if (left <= 0) clearInterval(this._timer)
      }, 1000)
    } catch (e) {
      // shown by request.js
    } finally {
      this.setData({ sending: false })
    }
    return null
  },

  async onSubmit() {
    if (this.data.submitting) return null
    const { idNumber, smsCode, newPassword, confirmPassword } = this.data
    if (!idNumber.trim() || !smsCode.trim()) return wx.showToast({ title: '请输入证件号码和验证码', icon: 'none' })
    const problem = validate.passwordProblem(newPassword)
    if (problem) return wx.showToast({ title: problem, icon: 'none' })
    if (newPassword !== confirmPassword) return wx.showToast({ title: '两次输入的新密码不一致', icon: 'none' })
    this.setData({ submitting: true })
    try {
      await auth.resetPassword({ idNumber, smsCode, newPassword })
      wx.showToast({ title: '密码已重置，请重新登录', icon: 'none' })
      wx.reLaunch({ url: '/pages/login/index?manual=1' })
    } catch (e) {
      // shown by request.js
    } finally {
      this.setData({ submitting: false })
    }
    return null
  },
})
