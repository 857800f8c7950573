/**
 * services/request.js: the bearer token, statusCode checks, Chinese errors and toasts, the one
 * re-login on 401 (wx.login → wechat-login → retry once → give up), uploads and downloads.
 */
const { installWx, toasts } = require('./helpers/wx')

let wx
let server
let http

beforeEach(() => {
  jest.resetModules()
  ;({ wx, server } = installWx({ token: 'old-token' }))
  http = require('../services/request')
})

describe('request', () => {
  test('sends the bearer token and JSON, resolves the body of a 2xx', async () => {
    server.on('GET /home', { status: 200, body: { hint: '请点击“我要报名”' } })
    const body = await http.get('/home')
    expect(body).toEqual({ hint: '请点击“我要报名”' })
    const [req] = server.calls('GET /home')
    expect(req.header.Authorization).toBe('Bearer old-token')
    expect(req.header['content-type']).toBe('application/json')
    expect(wx.request.mock.calls[0][0].url).toBe('http://127.0.0.1:8000/api/v1/mp/home')
  })

  test('auth: false sends no token', async () => {
    server.on('POST /auth/login', { status: 200, body: { token: 't' } })
    await http.post('/auth/login', { id_number: 'x', password: 'y' }, { auth: false })
    expect(server.calls('POST /auth/login')[0].header.Authorization).toBeUndefined()
  })

  test('GET drops empty query values', async () => {
    server.on('GET /practice/questions', { status: 200, body: { data: [] } })
    await http.get('/practice/questions', { paper_type: 'humanities', knowledge_point: undefined, qtype: '' })
    expect(wx.request.mock.calls[0][0].data).toEqual({ paper_type: 'humanities' })
  })

  test('a non-2xx rejects with the server code, Chinese message, status and details, and toasts it', async () => {
    server.on('POST /enrolment/submit', {
      status: 422,
      body: { code: 'enrolment_incomplete', message: '报名信息不完整，请完善：基本信息', details: [{ field: 'photo' }] },
    })
    await expect(http.post('/enrolment/submit', {})).rejects.toMatchObject({
      code: 'enrolment_incomplete', message: '报名信息不完整，请完善：基本信息', status: 422, details: [{ field: 'photo' }],
    })
    expect(toasts(wx)).toEqual(['报名信息不完整，请完善：基本信息'])
  })

  test('silent: true rejects without a toast', async () => {
    server.on('GET /home', { status: 409, body: { code: 'no_cycle', message: '本省尚未开启考核周期' } })
    await expect(http.get('/home', undefined, { silent: true })).rejects.toMatchObject({ code: 'no_cycle' })
    expect(wx.showToast).not.toHaveBeenCalled()
  })

  test('the status decides, not the body: a 502 page from a proxy is a server error', async () => {
    server.on('GET /home', { status: 502, raw: '<html>Bad Gateway</html>' })
    await expect(http.get('/home')).rejects.toMatchObject({
      code: 'server_error', status: 502, message: '服务暂时不可用，请稍后再试',
    })
    expect(toasts(wx)).toEqual(['服务暂时不可用，请稍后再试'])
  })

  test('the status decides, not the body: a 4xx with an ok-looking body still rejects', async () => {
    server.on('GET /home', { status: 404, body: { ok: true } })
    await expect(http.get('/home')).rejects.toMatchObject({ code: 'http_404', message: '请求的内容不存在' })
  })

  test('a 2xx that is not JSON is refused', async () => {
    server.on('GET /home', { status: 200, raw: '<html>captive portal</html>' })
    await expect(http.get('/home')).rejects.toMatchObject({ code: 'bad_response', message: '服务器返回的数据无法识别，请稍后重试' })
  })

  test('a network failure rejects with network_error and the Chinese message', async () => {
    server.on('PUT /attempts/1/answers/3', 'network')
    await expect(http.put('/attempts/1/answers/3', { answer: ['A'], seq: 1 })).rejects.toMatchObject({
      code: 'network_error', message: '网络连接失败，请检查网络后重试', network: true,
    })
    expect(toasts(wx)).toEqual(['网络连接失败，请检查网络后重试'])
  })

  test('a timeout is a network failure too', async () => {
    server.on('GET /home', 'timeout')
    await expect(http.get('/home')).rejects.toMatchObject({ code: 'network_error', network: true, timeout: true })
  })
})

describe('401: log in again through WeChat once', () => {
  test('wx.login → wechat-login → new token stored → the call is retried once', async () => {
    server.on('GET /home', req => (req.token === 'new-token'
      ? { status: 200, body: { hint: 'ok' } }
      : { status: 401, body: { code: 'unauthorized', message: '登录已失效，请重新登录' } }))
    server.on('POST /auth/wechat-login', { status: 200, body: { token: 'new-token', setup_required: false } })

    await expect(http.get('/home')).resolves.toEqual({ hint: 'ok' })
    expect(wx.login).toHaveBeenCalledTimes(1)
    const login = server.calls('POST /auth/wechat-login')
    expect(login).toHaveLength(1)
    expect(login[0].data).toEqual({ code: 'wx-code' })
    expect(login[0].header.Authorization).toBeUndefined()
    expect(server.calls('GET /home').map(r => r.token)).toEqual(['old-token', 'new-token'])
    expect(wx.getStorageSync('dkt_token')).toBe('new-token')
    expect(wx.showToast).not.toHaveBeenCalled()
    expect(wx.reLaunch).not.toHaveBeenCalled()
  })

  test('a second 401 after logging in again gives up: token dropped, login page, one retry only', async () => {
    server.on('GET /home', { status: 401, body: { code: 'unauthorized', message: '登录已失效，请重新登录' } })
    server.on('POST /auth/wechat-login', { status: 200, body: { token: 'new-token' } })

    await expect(http.get('/home')).rejects.toMatchObject({ status: 401, authLost: true, message: '登录已失效，请重新登录' })
    expect(server.calls('GET /home')).toHaveLength(2)
    expect(server.calls('POST /auth/wechat-login')).toHaveLength(1)
    expect(wx.getStorageSync('dkt_token')).toBe('')
    expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index' })
    expect(toasts(wx)).toEqual(['登录已失效，请重新登录'])
  })

  test('a WeChat not bound to an account: no retry, straight to the login page', async () => {
    server.on('GET /messages', { status: 401, body: { code: 'unauthorized', message: '登录已失效，请重新登录' } })
    server.on('POST /auth/wechat-login', {
      status: 401, body: { code: 'wechat_not_bound', message: '该微信尚未绑定定考账户，请先使用证件号码和密码登录' },
    })
    await expect(http.get('/messages')).rejects.toMatchObject({ authLost: true })
    expect(server.calls('GET /messages')).toHaveLength(1)
    expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index' })
  })

  test('wx.login failing is the same as not bound', async () => {
    wx.login.mockImplementation(opts => setTimeout(() => opts.fail({ errMsg: 'login:fail' }), 0))
    server.on('GET /home', { status: 401, body: { code: 'unauthorized', message: '请先登录' } })
    await expect(http.get('/home')).rejects.toMatchObject({ authLost: true })
    expect(server.calls('POST /auth/wechat-login')).toHaveLength(0)
  })

  test('noRedirect keeps the physician on the page (e.g. mid-exam)', async () => {
    server.on('PUT /attempts/7/answers/1', { status: 401, body: { code: 'unauthorized', message: '请先登录' } })
    server.on('POST /auth/wechat-login', { status: 401, body: { code: 'wechat_not_bound', message: '未绑定' } })
    await expect(http.put('/attempts/7/answers/1', {}, { noRedirect: true })).rejects.toMatchObject({ authLost: true })
    expect(wx.reLaunch).not.toHaveBeenCalled()
  })

  test('the network dropping while logging in again is a network error, not a logout', async () => {
    server.on('GET /home', { status: 401, body: { code: 'unauthorized', message: '请先登录' } })
    server.on('POST /auth/wechat-login', 'network')
    await expect(http.get('/home')).rejects.toMatchObject({ code: 'network_error', network: true })
    expect(wx.reLaunch).not.toHaveBeenCalled()
    expect(toasts(wx)).toEqual(['网络连接失败，请检查网络后重试'])
  })

  test('calls refused together share one wx.login', async () => {
    const answer = req => (req.token === 'new-token'
      ? { status: 200, body: { path: req.path } }
      : { status: 401, body: { code: 'unauthorized', message: '请先登录' } })
    server.on('GET /home', answer)
    server.on('GET /messages', answer)
    server.on('POST /auth/wechat-login', { status: 200, body: { token: 'new-token' } })
    const [a, b] = await Promise.all([http.get('/home'), http.get('/messages')])
    expect([a.path, b.path]).toEqual(['/home', '/messages'])
    expect(wx.login).toHaveBeenCalledTimes(1)
    expect(server.calls('POST /auth/wechat-login')).toHaveLength(1)
  })

  test('auth: false calls (the password login) never log in again', async () => {
    server.on('POST /auth/login', { status: 401, body: { code: 'bad_credentials', message: '证件号码或密码错误' } })
    await expect(http.post('/auth/login', {}, { auth: false })).rejects.toMatchObject({ code: 'bad_credentials' })
    expect(wx.login).not.toHaveBeenCalled()
    expect(toasts(wx)).toEqual(['证件号码或密码错误'])
    expect(wx.reLaunch).not.toHaveBeenCalled()
  })

  test('403 setup_required sends the physician to the set-up step', async () => {
    server.on('GET /home', { status: 403, body: { code: 'setup_required', message: '首次登录请先完成初始化设置（修改密码）' } })
    await expect(http.get('/home')).rejects.toMatchObject({ code: 'setup_required', status: 403 })
    expect(wx.reLaunch).toHaveBeenCalledWith({ url: '/pages/login/index?setup=1' })
  })
})

describe('upload and download', () => {
  test('upload: multipart with the token, the JSON string answer parsed', async () => {
    server.on('POST /enrolment/photo', { status: 201, body: { file_id: 'f1', width: 300, height: 420 } })
    const body = await http.upload({ url: '/enrolment/photo', filePath: 'wxfile://tmp/a.jpg', name: 'photo' })
    expect(body).toEqual({ file_id: 'f1', width: 300, height: 420 })
    const [req] = server.calls('POST /enrolment/photo')
    expect(req.kind).toBe('upload')
    expect(req.token).toBe('old-token')
    expect(req.filePath).toBe('wxfile://tmp/a.jpg')
    expect(req.name).toBe('photo')
  })

  test('upload: a refusal is judged by its status and shown in Chinese', async () => {
    server.on('POST /enrolment/photo', {
      status: 422, body: { code: 'photo_not_portrait', message: '请上传竖版1寸免冠证件照（宽高比约为5:7）' },
    })
    await expect(http.upload({ url: '/enrolment/photo', filePath: 'x' })).rejects.toMatchObject({
      code: 'photo_not_portrait', status: 422,
    })
    expect(toasts(wx)).toEqual(['请上传竖版1寸免冠证件照（宽高比约为5:7）'])
  })

  test('upload: 401 logs in again and uploads once more', async () => {
    server.on('POST /uploads', req => (req.token === 'new-token'
      ? { status: 201, body: { data: [{ id: 'p1' }] } }
      : { status: 401, body: { code: 'unauthorized', message: '请先登录' } }))
    server.on('POST /auth/wechat-login', { status: 200, body: { token: 'new-token' } })
    await expect(http.upload({ url: '/uploads', filePath: 'x' })).resolves.toEqual({ data: [{ id: 'p1' }] })
    expect(server.calls('POST /uploads')).toHaveLength(2)
  })

  test('download: the temporary file of a 200; the JSON error of a refusal', async () => {
    server.on('GET /results/certificate', { status: 200, file: '%PDF-1.4' })
    const ok = await http.download({ url: '/results/certificate' })
    expect(ok.tempFilePath).toMatch(/^wxfile:\/\//)
    expect(server.calls('GET /results/certificate')[0].token).toBe('old-token')

    server.on('GET /results/certificate', {
      status: 409, body: { code: 'not_qualified', message: '考核结果为合格后才能下载考核结果通知书' },
    })
    await expect(http.download({ url: '/results/certificate' })).rejects.toMatchObject({
      code: 'not_qualified', status: 409, message: '考核结果为合格后才能下载考核结果通知书',
    })
  })
})

test('calls refused together send the physician to the login page once', async () => {
  server.on('GET /home', { status: 401, body: { code: 'unauthorized', message: '请先登录' } })
  server.on('GET /me', { status: 401, body: { code: 'unauthorized', message: '请先登录' } })
  server.on('POST /auth/wechat-login', { status: 401, body: { code: 'wechat_not_bound', message: '未绑定' } })
  await Promise.all([http.get('/home').catch(e => e), http.get('/me', undefined, { silent: true }).catch(e => e)])
  expect(wx.reLaunch).toHaveBeenCalledTimes(1)
  expect(toasts(wx)).toEqual(['登录已失效，请重新登录'])
})
