/**
 * pages/account/forgot (忘记密码): the code goes to the bound phone (the page repeats the server's
 * neutral answer), then 验证码 + 新密码 reset the password and lead back to the login form.
 */
const { installWx } = require('./helpers/wx')
const { openPage, text, tap } = require('./helpers/page')

const PAGE = 'pages/account/forgot/index'
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx({ token: '' }))
})

function type(page, selector, value) {
  const input = page.querySelector(selector)
  input.dispatchEvent('input', { detail: { value } })
}

test('获取验证码 then 重置密码', async () => {
  server.on('POST /auth/forgot-password/sms-code', { status: 200, body: { message: '如该证件号码已绑定手机，验证码已发送至绑定的手机，请注意查收', expires_in: 300, resend_after: 60 } })
  server.on('POST /auth/forgot-password/reset', { status: 200, body: { ok: true } })
  const page = await openPage(PAGE)
  type(page, '.id-number', '45010319800101001x')
  await tap(page, '.send-btn')
  expect(server.calls('POST /auth/forgot-password/sms-code')[0].data).toEqual({ id_number: '45010319800101001X' })
  expect(text(page, '.sent')).toContain('如该证件号码已绑定手机')
  type(page, '.sms-code', '123456')
  type(page, '.new-password', 'Newpass2026')
  type(page, '.confirm-password', 'Newpass2026')
  await tap(page, '.submit-btn')
  expect(server.calls('POST /auth/forgot-password/reset')[0].data).toEqual({
    id_number: '45010319800101001X', sms_code: '123456', new_password: 'Newpass2026',
  })
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index?manual=1' })
})

test('a weak or mismatched new password is stopped before any request', async () => {
  const page = await openPage(PAGE)
  type(page, '.id-number', '450103198001010011')
  type(page, '.sms-code', '123456')
  type(page, '.new-password', '123')
  type(page, '.confirm-password', '123')
  await tap(page, '.submit-btn')
  expect(server.calls('POST /auth/forgot-password/reset')).toHaveLength(0)
  expect(wx.showToast).toHaveBeenCalled()
})
