/**
 * 医师登录: 证件号码 + 密码, or 微信一键登录 once this WeChat is bound (tried silently at
 * launch, the form is the fallback). First login: 修改密码, then 绑定手机 with an SMS code.
 */
const auth = require('../../services/auth')
const validate = require('../../utils/validate')

const HOME = '/pages/home/index'
const SMS_WAIT = 60 // seconds before 获取验证码 may be pressed again

Page({
  data: {
    step: 'loading', // loading | form | password | phone
    idNumber: '',
    password: '',
    idHint: '',
    submitting: false,
    needOld: false,
    oldPassword: '',
    newPassword: '',
    confirmPassword: '',
    phone: '',
    smsCode: '',
    smsWait: 0,
    sending: false,
  },

  onLoad(query) {
    this._initialPassword = ''
    if (query && query.setup) return this.resumeSetup()
    if (query && query.manual) return this.setData({ step: 'form' }) // after 退出登录: no automatic way back in
    return this.start()
  },

  onUnload() {
    this.stopTimer()
  },

  onForgot() {
    wx.navigateTo({ url: '/pages/account/forgot/index' })
  },

  onRegister() {
    wx.navigateTo({ url: '/pages/account/register/index' })
  },

  /** A stored token → straight on; else one quiet try of 微信一键登录; else the form. */
  async start() {
    if (auth.loggedIn()) {
      try {
        const me = await auth.me({ silent: true, noRedirect: true })
        return this.afterSetupCheck(me.setup || {})
      } catch (e) {
        // token gone and WeChat could not renew it (request.js tried): the form
        if (e && e.authLost) return this.setData({ step: 'form' })
      }
    }
    try {
      const result = await auth.wechatLogin({ silent: true })
      return this.afterLogin(result)
    } catch (e) {
      this.setData({ step: 'form' })
      return null
    }
  },

  async resumeSetup() {
    try {
      const me = await auth.me({ noRedirect: true })
      this.setData({ needOld: true })
      return this.afterSetupCheck(me.setup || {})
    } catch (e) {
      this.setData({ step: 'form' })
      return null
    }
  },

  afterSetupCheck(setup) {
    return this.afterLogin({ must_change_password: setup.must_change_password, needs_phone: setup.needs_phone })
  },

  afterLogin(result) {
    this._needsPhone = Boolean(result.needs_phone)
    if (result.must_change_password) {
      this.setData({ step: 'password', submitting: false, needOld: !this._initialPassword })
    } else if (result.needs_phone) {
      this.setData({ step: 'phone', submitting: false })
    } else {
      this.setData({ submitting: false })
      wx.reLaunch({ url: HOME })
    }
  },

  onIdInput(e) {
    const idNumber = e.detail.value
    this.setData({ idNumber, idHint: validate.idNumberHint(idNumber) })
  },

  onPasswordInput(e) {
    this.setData({ password: e.detail.value })
  },

  async onLogin() {
    if (this.data.submitting) return
    const idNumber = this.data.idNumber.trim()
    if (!idNumber) return wx.showToast({ title: '请输入证件号码', icon: 'none' })
    if (!this.data.password) return wx.showToast({ title: '请输入密码', icon: 'none' })
    this.setData({ submitting: true })
    try {
      const result = await auth.login({ idNumber, password: this.data.password })
      this._initialPassword = this.data.password
      this.afterLogin(result)
    } catch (e) {
      this.setData({ submitting: false }) // request.js showed the server's message
    }
    return null
  },

  async onWechatLogin() {
    if (this.data.submitting) return
    this.setData({ submitting: true })
    try {
      this.afterLogin(await auth.wechatLogin())
    } catch (e) {
      this.setData({ submitting: false })
    }
  },

  // --- 初始化设置: 修改密码 ---------------------------------------------------------------------
  onFieldInput(e) {
    this.setData({ [e.currentTarget.dataset.field]: e.detail.value })
  },

  async onChangePassword() {
    if (this.data.submitting) return
    const { newPassword, confirmPassword } = this.data
    const oldPassword = this.data.needOld ? this.data.oldPassword : this._initialPassword
    if (!oldPassword) return wx.showToast({ title: '请输入原密码', icon: 'none' })
    const problem = validate.passwordProblem(newPassword)
    if (problem) return wx.showToast({ title: problem, icon: 'none' })
    if (newPassword !== confirmPassword) return wx.showToast({ title: '两次输入的新密码不一致', icon: 'none' })
    this.setData({ submitting: true })
    try {
      await auth.changePassword({ oldPassword, newPassword })
      this._initialPassword = ''
      wx.showToast({ title: '密码已修改', icon: 'success' })
      this.afterLogin({ must_change_password: false, needs_phone: this._needsPhone })
    } catch (e) {
      this.setData({ submitting: false })
    }
    return null
  },

  // --- 初始化设置: 绑定手机 ---------------------------------------------------------------------
  async onSendCode() {
    if (this.data.smsWait > 0 || this.data.sending) return
    const problem = validate.phoneProblem(this.data.phone)
    if (problem) return wx.showToast({ title: problem, icon: 'none' })
    this.setData({ sending: true })
    try {
      const issued = await auth.sendSmsCode(this.data.phone.trim())
      wx.showToast({ title: '验证码已发送', icon: 'none' })
      this.startTimer((issued && issued.resend_after) || SMS_WAIT)
    } catch (e) {
      // shown by request.js (e.g. 操作过于频繁，请稍后再试)
    }
    this.setData({ sending: false })
    return null
  },

  startTimer(seconds) {
    this.stopTimer()
    this.setData({ smsWait: seconds })
    this._timer = setInterval(() => {
      const left = this.data.smsWait - 1
      this.setData({ smsWait: left > 0 ? left : 0 })
      if (left <= 0) this.stopTimer()
    }, 1000)
  },

  stopTimer() {
    if (this._timer) clearInterval(this._timer)
    this._timer = null
  },

  async onBindPhone() {
    if (this.data.submitting) return
    const problem = validate.phoneProblem(this.data.phone)
    if (problem) return wx.showToast({ title: problem, icon: 'none' })
    if (!this.data.smsCode.trim()) return wx.showToast({ title: '请输入短信验证码', icon: 'none' })
    this.setData({ submitting: true })
    try {
      await auth.bindPhone({ phone: this.data.phone.trim(), smsCode: this.data.smsCode.trim() })
      this.stopTimer()
      wx.showToast({ title: '手机已绑定', icon: 'success' })
      this.afterLogin({})
    } catch (e) {
      this.setData({ submitting: false })
    }
    return null
  },
})
