/**
 * The one door to the server's mini-program API (/api/v1/mp). Pages never call wx.request,
 * wx.uploadFile or wx.downloadFile themselves: they call a service, the service calls this.
 *
 * - Adds `Authorization: Bearer <token>` (services/session.js) unless `auth: false`.
 * - Judges every answer by its HTTP status (res.statusCode), never by the body alone:
 *   2xx resolves with the parsed JSON; anything else rejects with an ApiError
 *   {code, message, status, details?} built from the server's {code, message, details}.
 * - HTTP 401: once, wx.login → POST /auth/wechat-login {code} → store the new token → the
 *   original call is retried once. If WeChat cannot log in again (not bound, code refused)
 *   or the retry is refused too: the token is dropped and the physician sent to the login
 *   page (`noRedirect: true` keeps them where they are, e.g. in an exam whose answers are
 *   kept locally). A network drop while logging in again is reported as a network drop.
 * - HTTP 403 `setup_required`: first-login set-up unfinished → the login page's set-up step.
 * - Network failure (the wx fail callback, timeouts included): rejects with
 *   {code: 'network_error', message: '网络连接失败，请检查网络后重试', network: true}.
 * - Every failure shows its Chinese message as a toast, unless `silent: true`.
 *
 * request({url, method, data, silent, auth, noRedirect, timeout}) → Promise<body>
 * upload({url, filePath, name, formData, ...}) → Promise<body>   (multipart, wx.uploadFile)
 * download({url, ...}) → Promise<{tempFilePath, statusCode}>     (wx.downloadFile)
 * `url` is a path under /api/v1/mp ("/home"), a path from the server root ("/api/v1/mp/..."),
 * or a full https URL.
 */
const config = require('../config')
const session = require('./session')

const LOGIN_PAGE = '/pages/login/index'

const MESSAGES = {
  network: '网络连接失败，请检查网络后重试',
  authLost: '登录已失效，请重新登录',
  server: '服务暂时不可用，请稍后再试',
  badResponse: '服务器返回的数据无法识别，请稍后重试',
  failed: '请求失败，请稍后重试',
}

// When the server (or a proxy in front of it) answers without our JSON error body.
const STATUS_MESSAGES = {
  400: '请求格式有误',
  401: '登录已失效，请重新登录',
  403: '无权进行此操作',
  404: '请求的内容不存在',
  405: '请求方法不被允许',
  409: '操作冲突，请刷新后重试',
  413: '上传内容过大',
  415: '不支持的内容类型',
  422: '输入内容有误',
  429: '操作过于频繁，请稍后再试',
}

class ApiError extends Error {
  /** @param {{code: string, message: string, status?: number, details?: any, network?: boolean, timeout?: boolean}} e */
  constructor({ code, message, status = 0, details, network = false, timeout = false }) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.message = message
    this.status = status
    this.network = network
    if (timeout) this.timeout = true
    if (details !== undefined) this.details = details
  }
}

function buildUrl(path) {
  if (/^https?:\/\//.test(path)) return path
  if (path.indexOf('/api/') === 0) return config.serverUrl + path
  return config.apiBase + (path.charAt(0) === '/' ? path : `/${path}`)
}

function authHeader(token) {
  return token ? { Authorization: `Bearer ${token}` } : {}
}

function parseBody(data) {
  if (data === undefined || data === null || data === '') return { ok: true, value: null }
  if (typeof data === 'string') {
    try {
      return { ok: true, value: JSON.parse(data) }
    } catch (e) {
      return { ok: false }
    }
  }
  if (typeof ArrayBuffer !== 'undefined' && data instanceof ArrayBuffer) return { ok: false }
  return { ok: true, value: data }
}

function errorFromResponse(res) {
  const status = res.statusCode
  const parsed = parseBody(res.data)
  const body = parsed.ok ? parsed.value : null
  if (body && typeof body === 'object' && typeof body.code === 'string' && typeof body.message === 'string') {
    return new ApiError({ code: body.code, message: body.message, status, details: body.details })
  }
  const message = STATUS_MESSAGES[status] || (status >= 500 ? MESSAGES.server : MESSAGES.failed)
  return new ApiError({ code: status >= 500 ? 'server_error' : `http_${status}`, message, status })
}

/** The answer of a wx.request / wx.uploadFile: the body on 2xx, else an ApiError (thrown). */
function settle(res) {
  const status = res && res.statusCode
  if (typeof status !== 'number') {
    throw new ApiError({ code: 'bad_response', message: MESSAGES.badResponse, status: 0 })
  }
  if (status < 200 || status >= 300) throw errorFromResponse(res)
  const parsed = parseBody(res.data)
  if (!parsed.ok) throw new ApiError({ code: 'bad_response', message: MESSAGES.badResponse, status })
  return parsed.value
}

function networkError(err) {
  const errMsg = (err && err.errMsg) || ''
  return new ApiError({
    code: 'network_error',
    message: MESSAGES.network,
    status: 0,
    network: true,
    timeout: /timeout|超时/i.test(errMsg),
  })
}

function cleanQuery(data) {
  if (!data || typeof data !== 'object') return data
  const out = {}
  Object.keys(data).forEach(key => {
    const value = data[key]
    if (value !== undefined && value !== null && value !== '') out[key] = value
  })
  return out
}

// --- transports: one call, one token --------------------------------------------------------
function sendJson(opts, token) {
  const method = (opts.method || 'GET').toUpperCase()
  return new Promise((resolve, reject) => {
    wx.request({
      url: buildUrl(opts.url),
      method,
      data: method === 'GET' ? cleanQuery(opts.data) : opts.data,
      header: Object.assign({ 'content-type': 'application/json' }, authHeader(token)),
      dataType: 'json',
      responseType: 'text',
      timeout: opts.timeout || config.timeout,
      success(res) {
        try {
          resolve(settle(res))
        } catch (err) {
          reject(err)
        }
      },
      fail(err) {
        reject(networkError(err))
      },
    })
  })
}

function sendUpload(opts, token) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: buildUrl(opts.url),
      filePath: opts.filePath,
      name: opts.name || 'file',
      formData: opts.formData || {},
      header: authHeader(token),
      timeout: opts.timeout || config.uploadTimeout,
      success(res) {
        try {
          resolve(settle(res)) // res.data is a string here: parsed as JSON
        } catch (err) {
          reject(err)
        }
      },
      fail(err) {
        reject(networkError(err))
      },
    })
  })
}

function errorFromFile(res) {
  // A refused download still lands in a temporary file: it holds the server's JSON error.
  let text = null
  try {
    text = wx.getFileSystemManager().readFileSync(res.tempFilePath, 'utf8')
  } catch (e) {
    text = null
  }
  return errorFromResponse({ statusCode: res.statusCode, data: text })
}

function sendDownload(opts, token) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url: buildUrl(opts.url),
      header: authHeader(token),
      timeout: opts.timeout || config.uploadTimeout,
      success(res) {
        if (res && res.statusCode >= 200 && res.statusCode < 300 && res.tempFilePath) {
          resolve({ tempFilePath: res.tempFilePath, statusCode: res.statusCode })
        } else if (res && typeof res.statusCode === 'number') {
          reject(errorFromFile(res))
        } else {
          reject(new ApiError({ code: 'bad_response', message: MESSAGES.badResponse, status: 0 }))
        }
      },
      fail(err) {
        reject(networkError(err))
      },
    })
  })
}

// --- logging in again -------------------------------------------------------------------------
function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      timeout: 10000,
      success(res) {
        if (res && res.code) resolve(res.code)
        else reject(new ApiError({ code: 'wechat_login_failed', message: '微信登录失败，请稍后重试' }))
      },
      fail() {
        reject(new ApiError({ code: 'wechat_login_failed', message: '微信登录失败，请稍后重试' }))
      },
    })
  })
}

/** wx.login → wechat-login: true when a new token is stored, an ApiError (network) or false. */
async function renew() {
  let code
  try {
    code = await wxLoginCode()
  } catch (e) {
    return false
  }
  try {
    const body = await sendJson({ url: '/auth/wechat-login', method: 'POST', data: { code } }, '')
    if (!body || !body.token) return false
    session.setToken(body.token)
    return true
  } catch (err) {
    return err && err.network ? err : false
  }
}

let renewing = null
let round = 0

/** Calls that meet a 401 together share one wx.login round. */
function relogin() {
  if (!renewing) {
    round += 1
    renewing = renew().then(result => {
      renewing = null
      return result
    })
  }
  return renewing
}

// --- failures ---------------------------------------------------------------------------------
function toast(message) {
  try {
    wx.showToast({ title: message, icon: 'none', duration: 2500 })
  } catch (e) {
    // no UI (tests, background): nothing to show
  }
}

function onLoginPage() {
  try {
    const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : []
    const top = pages[pages.length - 1]
    return Boolean(top && top.route === LOGIN_PAGE.slice(1))
  } catch (e) {
    return false
  }
}

let redirectedRound = -1

/** `round`: the re-login round that failed — calls refused together go to the page once. */
function goLogin(query, round) {
  if (onLoginPage()) return
  if (round !== undefined) {
    if (round === redirectedRound) return
    redirectedRound = round
  }
  wx.reLaunch({ url: LOGIN_PAGE + (query || '') })
}

function asApiError(err) {
  if (err instanceof ApiError) return err
  return new ApiError({ code: 'client_error', message: (err && err.message) || MESSAGES.failed })
}

function report(opts, raw) {
  const err = asApiError(raw)
  if (!opts.silent) toast(err.message)
  if (err.code === 'setup_required' && !opts.noRedirect) goLogin('?setup=1')
  return err
}

function authLost(opts, raw, lostRound) {
  const err = asApiError(raw)
  err.message = MESSAGES.authLost
  err.authLost = true
  session.clear()
  if (!opts.silent) toast(err.message)
  if (!opts.noRedirect) goLogin('', lostRound)
  return err
}

async function run(opts, transport) {
  const useAuth = opts.auth !== false
  const token = useAuth ? session.getToken() : ''
  try {
    return await transport(opts, token)
  } catch (err) {
    if (!useAuth || err.status !== 401) throw report(opts, err)
  }
  // 401: unless another call renewed the token meanwhile, log in again through WeChat (once)
  const current = session.getToken()
  if (!current || current === token) {
    const renewed = await relogin()
    if (renewed !== true) {
      if (renewed && renewed.network) throw report(opts, renewed)
      throw authLost(opts, new ApiError({ code: 'unauthorized', message: MESSAGES.authLost, status: 401 }), round)
    }
  }
  const retryRound = round
  try {
    return await transport(opts, session.getToken())
  } catch (again) {
    if (again.status === 401) throw authLost(opts, again, retryRound)
    throw report(opts, again)
  }
}

function request(opts) {
  return run(opts || {}, sendJson)
}

function upload(opts) {
  return run(opts || {}, sendUpload)
}

function download(opts) {
  return run(opts || {}, sendDownload)
}

module.exports = {
  request,
  get: (url, data, opts) => request(Object.assign({}, opts, { url, method: 'GET', data })),
  post: (url, data, opts) => request(Object.assign({}, opts, { url, method: 'POST', data })),
  put: (url, data, opts) => request(Object.assign({}, opts, { url, method: 'PUT', data })),
  del: (url, data, opts) => request(Object.assign({}, opts, { url, method: 'DELETE', data })),
  upload,
  download,
  wxLoginCode,
  buildUrl,
  ApiError,
  MESSAGES,
  LOGIN_PAGE,
}
