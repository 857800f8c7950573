// @ts-check
/**
 * 医师登录 (证件号码 + 密码, 微信一键登录) and 初始化设置 (修改密码, 绑定手机).
 * Server: server/routes/mp/auth.py, server/routes/mp/me.py.
 */
const http = require('./request')
const session = require('./session')

function keep(result) {
  if (result && result.token) session.setToken(result.token)
  return result
}

/** A wx.login code, or '' when WeChat gives none (the password login works without it). */
async function wechatCode() {
  try {
    return await http.wxLoginCode()
  } catch (e) {
    return ''
  }
}

/**
 * 登录: {token, must_change_password, needs_phone, setup_required, wechat_bound}. The wx.login
 * code goes along so this WeChat is bound and later launches log in with one tap.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/login', 'post'>>}
 */
async function login({ idNumber, password, captchaId, captcha }) {
  const code = await wechatCode()
  const data = { id_number: (idNumber || '').trim().toUpperCase(), password: password || '' }
  if (code) data.code = code
  if (captchaId) Object.assign(data, { captcha_id: captchaId, captcha: (captcha || '').trim() })
  return keep(await http.post('/auth/login', data, { auth: false }))
}

/**
 * 图片验证码 (asked after failed logins: the server answers captcha_required): {captcha_id, image}.
 * @returns {Promise<import('../types').Ok<'/api/v1/captcha', 'get'>>}
 */
function captcha() {
  return http.get('/api/v1/captcha', undefined, { auth: false, noRedirect: true })
}

/**
 * 首次登录 → 获取验证码: sent to the phone on the registry; the same answer whatever the ID number.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/first-login/sms-code', 'post'>>}
 */
function firstLoginCode(idNumber) {
  /** @type {import('../types').Body<'/api/v1/mp/auth/first-login/sms-code', 'post'>} */
  const payload = { id_number: (idNumber || '').trim().toUpperCase() }
  return http.post('/auth/first-login/sms-code', payload,
    { auth: false, noRedirect: true })
}

/**
 * 首次登录 with that code: a session that then sets its password (no old one asked).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/first-login', 'post'>>}
 */
async function firstLogin({ idNumber, smsCode }) {
  const code = await wechatCode()
  const data = { id_number: (idNumber || '').trim().toUpperCase(), sms_code: (smsCode || '').trim() }
  if (code) data.code = code
  return keep(await http.post('/auth/first-login', data, { auth: false, noRedirect: true }))
}

/**
 * 微信一键登录 (silent: on launch a refusal just means "show the form").
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/wechat-login', 'post'>>}
 */
async function wechatLogin({ silent = false } = {}) {
  const code = await http.wxLoginCode()
  /** @type {import('../types').Body<'/api/v1/mp/auth/wechat-login', 'post'>} */
  const payload = { code }
  return keep(await http.post('/auth/wechat-login', payload, { auth: false, silent }))
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/me', 'get'>>}
 */
function me(opts) {
  return http.get('/me', undefined, opts)
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/password', 'post'>>}
 */
function changePassword({ oldPassword, newPassword }) {
  /** @type {import('../types').Body<'/api/v1/mp/auth/password', 'post'>} */
  const payload = { old_password: oldPassword, new_password: newPassword }
  return http.post('/auth/password', payload)
}

/**
 * 获取验证码: {expires_in, resend_after} (seconds).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/sms-code', 'post'>>}
 */
function sendSmsCode(phone) {
  /** @type {import('../types').Body<'/api/v1/mp/auth/sms-code', 'post'>} */
  const payload = { phone }
  return http.post('/auth/sms-code', payload)
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/bind-phone', 'post'>>}
 */
function bindPhone({ phone, smsCode }) {
  /** @type {import('../types').Body<'/api/v1/mp/auth/bind-phone', 'post'>} */
  const payload = { phone, sms_code: smsCode }
  return http.post('/auth/bind-phone', payload)
}

/**
 * 忘记密码 → 获取验证码: the same answer whether or not the ID number exists.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/forgot-password/sms-code', 'post'>>}
 */
function forgotPasswordCode(idNumber) {
  /** @type {import('../types').Body<'/api/v1/mp/auth/forgot-password/sms-code', 'post'>} */
  const payload = { id_number: (idNumber || '').trim().toUpperCase() }
  return http.post('/auth/forgot-password/sms-code', payload, { noRedirect: true })
}

/**
 * 忘记密码 → 重置密码 with the code sent to the bound phone.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/forgot-password/reset', 'post'>>}
 */
function resetPassword({ idNumber, smsCode, newPassword }) {
  /** @type {import('../types').Body<'/api/v1/mp/auth/forgot-password/reset', 'post'>} */
  const payload = {
    id_number: (idNumber || '').trim().toUpperCase(), sms_code: (smsCode || '').trim(), new_password: newPassword || '',
  }
  return http.post('/auth/forgot-password/reset', payload, { noRedirect: true })
}

/**
 * 快速注册 → 搜索执业机构 (provinces that opened it).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/register/institutions', 'get'>>}
 */
function searchInstitutions(name) {
  return http.get('/auth/register/institutions', { name: (name || '').trim() }, { noRedirect: true })
}

/**
 * 快速注册: waits for the institution's 注册审核.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/register', 'post'>>}
 */
function register(form) {
  /** @type {import('../types').Body<'/api/v1/mp/auth/register', 'post'>} */
  const payload = {
    name: (form.name || '').trim(), id_number: (form.idNumber || '').trim().toUpperCase(),
    institution_id: form.institutionId, category: form.category, level: form.level,
    qualification_cert_no: (form.qualificationCertNo || '').trim(), practice_cert_no: (form.practiceCertNo || '').trim(),
    password: form.password || '',
  }
  return http.post('/auth/register', payload, { noRedirect: true })
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/auth/unbind-wechat', 'post'>>}
 */
function unbindWechat() {
  return http.post('/auth/unbind-wechat', {})
}

/**
 * 退出: ends the session on the server (if reachable) and forgets the token here.
 * @returns {Promise<void>}
 */
async function logout() {
  try {
    await http.post('/auth/logout', {}, { silent: true, noRedirect: true })
  } finally {
    session.clear()
  }
}

function loggedIn() {
  return Boolean(session.getToken())
}

module.exports = {
  login, captcha, firstLoginCode, firstLogin, wechatLogin, me, changePassword, sendSmsCode, bindPhone, forgotPasswordCode, resetPassword, searchInstitutions, register, unbindWechat,
  logout, loggedIn,
}
