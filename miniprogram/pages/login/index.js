/**
 * 医师登录: 证件号码 + 密码, or 微信一键登录 once this WeChat is bound (tried silently at
 * launch, the form is the fallback). First login: 修改密码, then 绑定手机 with an SMS code; or, in
 * provinces whose first login is a code to the registry's phone (the default), 首次登录 with that code
 * and then 设置密码. After failed logins the server asks for the image captcha (captcha_required).
 */
const auth = require('../../services/auth')
const validate = require('../../utils/validate')

const HOME = '/pages/home/index'
const SMS_WAIT = 60 // seconds before 获取验证码 may be pressed again

Page({
  data: {
    step: 'loading', // loading | form | first | password | phone
    captchaImage: '',
    captchaId: '',
    captcha: '',
    firstCode: '',
    firstWait: 0,
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
    this._byCode = false
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
    this._mustChange = Boolean(result.must_change_password)
    if (result.must_change_password) {
      this.setData({ step: 'password', submitting: false, needOld: !this._initialPassword && !this._byCode })
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
    if (this.data.captchaId && !this.data.captcha.trim()) return wx.showToast({ title: '请输入图片验证码', icon: 'none' })
    this.setData({ submitting: true })
    try {
      const result = await auth.login({
        idNumber, password: this.data.password, captchaId: this.data.captchaId, captcha: this.data.captcha,
      })
      this._initialPassword = this.data.password
      this._byCode = false
      this.afterLogin(result)
    } catch (e) {
      this.setData({ submitting: false }) // request.js showed the server's message
      if (this.data.captchaId || (e && e.code === 'captcha_required')) this.refreshCaptcha()
    }
    return null
  },

  /** A new image captcha (each is single use). */
  async refreshCaptcha() {
    try {
      const c = await auth.captcha()
      this.setData({ captchaId: c.captcha_id, captchaImage: c.image, captcha: '' })
    } catch (e) {
      // shown by request.js
    }
  },

  // --- 首次登录 with the code sent to the registry's phone ------------------------------------------
  onFirstLogin() {
    this.setData({ step: 'first' })
  },

  onBackToForm() {
    this.stopTimer()
    this.setData({ step: 'form' })
  },

  async onSendFirstCode() {
    if (this.data.smsWait > 0 || this.data.sending) return
    const idNumber = this.data.idNumber.trim()
    if (!idNumber) return wx.showToast({ title: '请输入证件号码', icon: 'none' })
    this.setData({ sending: true })
    try {
      const sent = await auth.firstLoginCode(idNumber)
      wx.showToast({ title: sent.message || '验证码已发送', icon: 'none' })
      this.startTimer((sent && sent.resend_after) || SMS_WAIT)
    } catch (e) {
      // shown by request.js
    }
    this.setData({ sending: false })
    return null
  },

  async onFirstCodeLogin() {
    if (this.data.submitting) return
    const idNumber = this.data.idNumber.trim()
    if (!idNumber) return wx.showToast({ title: '请输入证件号码', icon: 'none' })
    if (!this.data.firstCode.trim()) return wx.showToast({ title: '请输入短信验证码', icon: 'none' })
    this.setData({ submitting: true })
    try {
      const result = await auth.firstLogin({ idNumber, smsCode: this.data.firstCode })
      this.stopTimer()
      this._initialPassword = ''
      this._byCode = true
      this.afterLogin(result)
    } catch (e) {
      this.setData({ submitting: false })
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
    // a session opened by the registry phone's code sets its first password: no old one is asked
    const oldPassword = this.data.needOld ? this.data.oldPassword : (this._initialPassword || (this._byCode ? '-' : ''))
    if (!oldPassword) return wx.showToast({ title: '请输入原密码', icon: 'none' })
    const problem = validate.passwordProblem(newPassword)
    if (problem) return wx.showToast({ title: problem, icon: 'none' })
    if (newPassword !== confirmPassword) return wx.showToast({ title: '两次输入的新密码不一致', icon: 'none' })
    this.setData({ submitting: true })
    try {
      await auth.changePassword({ oldPassword, newPassword })
      this._initialPassword = ''
      this._byCode = false
      wx.showToast({ title: '密码已修改', icon: 'success' })
      this.afterLogin({ must_change_password: false, needs_phone: this._needsPhone })
    } catch (e) {
      this.setData({ submitting: false })
      // a guessed initial password does not set a password before the registry's phone is proven
      if (e && e.code === 'verify_registry_phone_first') {
        this._passwordAfterPhone = true
        this.setData({ step: 'phone' })
      }
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
      this.afterLogin({ must_change_password: Boolean(this._passwordAfterPhone) })
      this._passwordAfterPhone = false
    } catch (e) {
      this.setData({ submitting: false })
    }
    return null
  },
})
