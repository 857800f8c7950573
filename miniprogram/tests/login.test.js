/**
 * pages/login: 微信一键登录 tried quietly on launch, 证件号码 + 密码 form, and the first-login
 * set-up (修改密码 → 绑定手机 with a 60-second SMS countdown).
 */
const { installWx, toasts } = require('./helpers/wx')
const { openPage, text, tap, input, settle } = require('./helpers/page')

const PAGE = 'pages/login/index'
const NOT_BOUND = { status: 401, body: { code: 'wechat_not_bound', message: '该微信尚未绑定定考账户，请先使用证件号码和密码登录' } }
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx())
})

test('launch: WeChat not bound yet → the form, without any toast', async () => {
  server.on('POST /auth/wechat-login', NOT_BOUND)
  const page = await openPage(PAGE)
  expect(page.data.step).toBe('form')
  expect(page.querySelector('.id-number')).toBeTruthy()
  expect(page.querySelector('.password')).toBeTruthy()
  expect(text(page, '.login-btn')).toBe('登录')
  expect(wx.showToast).not.toHaveBeenCalled()
})

test('launch: a bound WeChat logs in with one tap and goes home', async () => {
  server.on('POST /auth/wechat-login', {
    status: 200, body: { token: 'tok', must_change_password: false, needs_phone: false, setup_required: false },
  })
  await openPage(PAGE)
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' })
  expect(wx.getStorageSync('dkt_token')).toBe('tok')
})

test('the 18-digit check is only a hint', async () => {
  server.on('POST /auth/wechat-login', NOT_BOUND)
  const page = await openPage(PAGE)
  await input(page, '.id-number', '12345')
  expect(text(page, '.id-hint')).toBe('身份证号码应为18位（最后一位可为X）')
  await input(page, '.id-number', '110101199003070000')
  expect(text(page, '.id-hint')).toBe('身份证号码校验位有误，请核对')
  await input(page, '.id-number', '11010119900307002x')
  expect(page.querySelector('.id-hint')).toBeFalsy()
  await input(page, '.id-number', 'E12345678') // passport: nothing to say
  expect(page.querySelector('.id-hint')).toBeFalsy()

  // a hint does not stop the login: the server decides
  server.on('POST /auth/login', { status: 401, body: { code: 'bad_credentials', message: '证件号码或密码错误' } })
  await input(page, '.id-number', '12345')
  await input(page, '.password', 'whatever')
  await tap(page, '.login-btn')
  expect(server.calls('POST /auth/login')).toHaveLength(1)
  expect(toasts(wx)).toEqual(['证件号码或密码错误'])
  expect(page.data.step).toBe('form')
  expect(page.data.submitting).toBe(false)
})

test('empty fields are asked for before anything is sent', async () => {
  server.on('POST /auth/wechat-login', NOT_BOUND)
  const page = await openPage(PAGE)
  await tap(page, '.login-btn')
  expect(toasts(wx)).toEqual(['请输入证件号码'])
  await input(page, '.id-number', '11010119900307002X')
  await tap(page, '.login-btn')
  expect(toasts(wx)).toEqual(['请输入证件号码', '请输入密码'])
  expect(server.calls('POST /auth/login')).toHaveLength(0)
})

test('first login: 修改密码, then 绑定手机 with the 60-second SMS countdown, then home', async () => {
  jest.useFakeTimers()
  try {
    server.on('POST /auth/wechat-login', NOT_BOUND)
    server.on('POST /auth/login', {
      status: 200, body: { token: 'tok', must_change_password: true, needs_phone: true, setup_required: true },
    })
    server.on('POST /auth/password', { status: 200, body: { ok: true } })
    server.on('POST /auth/sms-code', { status: 200, body: { expires_in: 300, resend_after: 60 } })
    server.on('POST /auth/bind-phone', { status: 200, body: { ok: true } })
    const page = await openPage(PAGE, {}, { show: false })

    await input(page, '.id-number', '11010119900307002x')
    await input(page, '.password', '666666')
    await tap(page, '.login-btn')
    const login = server.calls('POST /auth/login')[0]
    expect(login.data).toEqual({ id_number: '11010119900307002X', password: '666666', code: 'wx-code' })
    expect(page.data.step).toBe('password')
    expect(page.querySelector('.old-password')).toBeFalsy() // the password just typed is the old one

    await input(page, '.new-password', 'short')
    await tap(page, '.change-btn')
    expect(toasts(wx).pop()).toBe('新密码须为8-32位，且同时包含字母和数字')
    await input(page, '.new-password', 'Abcd1234')
    await input(page, '.confirm-password', 'Abcd12345')
    await tap(page, '.change-btn')
    expect(toasts(wx).pop()).toBe('两次输入的新密码不一致')
    await input(page, '.confirm-password', 'Abcd1234')
    await tap(page, '.change-btn')
    expect(server.calls('POST /auth/password')[0].data).toEqual({ old_password: '666666', new_password: 'Abcd1234' })
    expect(page.data.step).toBe('phone')

    await input(page, '.phone', '123')
    await tap(page, '.sms-btn')
    expect(toasts(wx).pop()).toBe('请输入正确的11位手机号码')
    await input(page, '.phone', '13800138000')
    await tap(page, '.sms-btn')
    expect(server.calls('POST /auth/sms-code')[0].data).toEqual({ phone: '13800138000' })
    expect(text(page, '.sms-btn')).toBe('60秒后重新获取')
    jest.advanceTimersByTime(1000)
    await settle()
    expect(text(page, '.sms-btn')).toBe('59秒后重新获取')
    await tap(page, '.sms-btn') // still counting down: nothing is sent
    expect(server.calls('POST /auth/sms-code')).toHaveLength(1)
    jest.advanceTimersByTime(59000)
    await settle()
    expect(text(page, '.sms-btn')).toBe('获取验证码')

    await tap(page, '.bind-btn')
    expect(toasts(wx).pop()).toBe('请输入短信验证码')
    await input(page, '.sms-code', '123456')
    await tap(page, '.bind-btn')
    expect(server.calls('POST /auth/bind-phone')[0].data).toEqual({ phone: '13800138000', sms_code: '123456' })
    expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' })
  } finally {
    jest.useRealTimers()
  }
})

test('set-up resumed after a restart (?setup=1) asks for the old password', async () => {
  ;({ wx, server } = installWx({ token: 'tok' }))
  server.on('GET /me', { status: 200, body: { name: '欣欣', setup: { must_change_password: true, needs_phone: false, required: true } } })
  server.on('POST /auth/password', { status: 422, body: { code: 'wrong_old_password', message: '原密码错误' } })
  const page = await openPage(PAGE, { setup: '1' }, { show: false })
  expect(page.data.step).toBe('password')
  expect(page.querySelector('.old-password')).toBeTruthy()
  await input(page, '.old-password', 'wrong')
  await input(page, '.new-password', 'Abcd1234')
  await input(page, '.confirm-password', 'Abcd1234')
  await tap(page, '.change-btn')
  expect(toasts(wx)).toEqual(['原密码错误'])
  expect(page.data.step).toBe('password')
})

test('after 退出登录 (?manual=1) the form shows without logging straight back in', async () => {
  server.on('POST /auth/wechat-login', { status: 200, body: { token: 'tok' } })
  const page = await openPage(PAGE, { manual: '1' }, { show: false })
  expect(page.data.step).toBe('form')
  expect(server.calls('POST /auth/wechat-login')).toHaveLength(0)
  expect(wx.reLaunch).not.toHaveBeenCalled()
})

test('首次登录 with the code to the registry phone, then 设置密码 without an old password', async () => {
  server.on('POST /auth/wechat-login', NOT_BOUND)
  server.on('POST /auth/first-login/sms-code', { status: 200, body: { message: '如该证件号码尚未登录过且已登记手机，验证码已发送至登记的手机，请注意查收', expires_in: 300, resend_after: 60 } })
  server.on('POST /auth/first-login', {
    status: 200, body: { token: 'tok', must_change_password: true, needs_phone: false, setup_required: true, wechat_bound: false },
  })
  server.on('POST /auth/password', { status: 200, body: { ok: true } })
  const page = await openPage(PAGE)
  await tap(page, '.first-link')
  expect(page.data.step).toBe('first')
  await input(page, '.first-id', '11010119900307002x')
  await tap(page, '.first-sms-btn')
  expect(server.calls('POST /auth/first-login/sms-code')[0].data).toEqual({ id_number: '11010119900307002X' })
  await input(page, '.first-code', '123456')
  await tap(page, '.first-login-btn')
  expect(server.calls('POST /auth/first-login')[0].data).toEqual({ id_number: '11010119900307002X', sms_code: '123456', code: 'wx-code' })
  expect(page.data.step).toBe('password')
  expect(page.querySelector('.old-password')).toBeFalsy()
  await input(page, '.new-password', 'Abcd1234')
  await input(page, '.confirm-password', 'Abcd1234')
  await tap(page, '.change-btn')
  expect(server.calls('POST /auth/password')[0].data.new_password).toBe('Abcd1234')
  expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/home/index' })
})

test('after failures the server asks for the image captcha; it goes along with the next login', async () => {
  server.on('POST /auth/wechat-login', NOT_BOUND)
  server.on('POST /auth/login', { status: 422, body: { code: 'captcha_required', message: '请输入图片验证码', details: { captcha_required: true } } })
  server.on('GET http://127.0.0.1:8000/api/v1/captcha', { status: 200, body: { captcha_id: 'c1', image: 'data:image/png;base64,AAAA' } })
  const page = await openPage(PAGE)
  await input(page, '.id-number', '11010119900307002x')
  await input(page, '.password', 'whatever1')
  await tap(page, '.login-btn')
  await settle()
  expect(page.data.captchaId).toBe('c1')
  expect(page.querySelector('.captcha-image')).toBeTruthy()
  await tap(page, '.login-btn')
  expect(toasts(wx).pop()).toBe('请输入图片验证码')
  await input(page, '.captcha', 'ab12cd')
  await tap(page, '.login-btn')
  const sent = server.calls('POST /auth/login').pop().data
  expect(sent.captcha_id).toBe('c1')
  expect(sent.captcha).toBe('ab12cd')
})
