/**
 * A fake `wx` for tests: storage in memory, the UI calls recorded, and a fake server behind
 * wx.request / wx.uploadFile / wx.downloadFile that answers like the Sanic API
 * (statusCode + JSON body, or a network failure through the fail callback).
 *
 *   const { wx, server } = installWx()
 *   server.on('GET /home', { status: 200, body: {...} })
 *   server.on('POST /auth/wechat-login', req => ({ status: 200, body: { token: 't2' } }))
 *   server.on('PUT /enrolment/basic', 'network')        // the fail callback
 */
const config = require('../../config')

class FakeServer {
  constructor() {
    this.routes = {}
    this.requests = []
  }

  /** answer: {status, body} | 'network' | req => answer; repeated on every call. */
  on(route, answer) {
    this.routes[route] = [answer]
    return this
  }

  /** answers used in turn, the last one repeated. */
  sequence(route, answers) {
    this.routes[route] = answers.slice()
    return this
  }

  answerFor(req) {
    const queue = this.routes[`${req.method} ${req.path}`]
    if (!queue) return { status: 404, body: { code: 'not_found', message: '接口不存在' } }
    const answer = queue.length > 1 ? queue.shift() : queue[0]
    return typeof answer === 'function' ? answer(req) : answer
  }

  /** Requests made to one route ("POST /auth/login"). */
  calls(route) {
    return this.requests.filter(r => `${r.method} ${r.path}` === route)
  }
}

function parseUrl(url) {
  const [base, qs] = url.split('?')
  const path = base.indexOf(config.apiBase) === 0 ? base.slice(config.apiBase.length) : base
  const query = {}
  if (qs) {
    qs.split('&').forEach(pair => {
      const [k, v] = pair.split('=')
      query[decodeURIComponent(k)] = decodeURIComponent(v || '')
    })
  }
  return { path, query }
}

// Answers arrive asynchronously, as in WeChat, but on the microtask queue: fake timers
// (jest.useFakeTimers) then only drive the page's own timers, never the network.
function later(fn) {
  Promise.resolve().then(fn)
}

function createWx() {
  const storage = {}
  const server = new FakeServer()

  function receive(kind, opts) {
    const { path, query } = parseUrl(opts.url)
    const method = kind === 'request' ? (opts.method || 'GET').toUpperCase() : kind === 'upload' ? 'POST' : 'GET'
    const header = opts.header || {}
    const req = {
      kind,
      method,
      path,
      query: method === 'GET' && kind === 'request' ? Object.assign(query, opts.data || {}) : query,
      data: opts.data,
      header,
      token: (header.Authorization || '').replace(/^Bearer /, ''),
      filePath: opts.filePath,
      name: opts.name,
      formData: opts.formData,
    }
    server.requests.push(req)
    return { req, answer: server.answerFor(req) }
  }

  const wx = {
    getStorageSync: jest.fn(key => (storage[key] === undefined ? '' : storage[key])),
    setStorageSync: jest.fn((key, value) => {
      storage[key] = value
    }),
    removeStorageSync: jest.fn(key => {
      delete storage[key]
    }),
    request: jest.fn(opts => {
      const { answer } = receive('request', opts)
      later(() => {
        if (answer === 'network') return opts.fail && opts.fail({ errMsg: 'request:fail ' })
        if (answer === 'timeout') return opts.fail && opts.fail({ errMsg: 'request:fail timeout' })
        const raw = answer.raw !== undefined ? answer.raw : answer.body
        return opts.success && opts.success({ statusCode: answer.status, data: raw, header: {} })
      })
      return { abort() {} }
    }),
    uploadFile: jest.fn(opts => {
      const { answer } = receive('upload', opts)
      later(() => {
        if (answer === 'network') return opts.fail && opts.fail({ errMsg: 'uploadFile:fail ' })
        const raw = answer.raw !== undefined ? answer.raw : JSON.stringify(answer.body)
        return opts.success && opts.success({ statusCode: answer.status, data: raw })
      })
      return { abort() {}, onProgressUpdate() {} }
    }),
    downloadFile: jest.fn(opts => {
      const { answer } = receive('download', opts)
      later(() => {
        if (answer === 'network') return opts.fail && opts.fail({ errMsg: 'downloadFile:fail ' })
        const tempFilePath = `wxfile://tmp/${server.requests.length}`
        wx.__files[tempFilePath] = answer.file !== undefined ? answer.file : JSON.stringify(answer.body || '')
        return opts.success && opts.success({ statusCode: answer.status, tempFilePath })
      })
      return { abort() {} }
    }),
    __files: {},
    getFileSystemManager: jest.fn(() => ({
      readFileSync: path => {
        if (!(path in wx.__files)) throw new Error('no such file')
        return wx.__files[path]
      },
    })),
    login: jest.fn(opts => later(() => opts.success && opts.success({ code: 'wx-code', errMsg: 'login:ok' }))),
    showToast: jest.fn(),
    showModal: jest.fn(opts => later(() => opts.success && opts.success({ confirm: true, cancel: false }))),
    showActionSheet: jest.fn(),
    navigateTo: jest.fn(),
    redirectTo: jest.fn(),
    reLaunch: jest.fn(),
    navigateBack: jest.fn(),
    stopPullDownRefresh: jest.fn(),
    pageScrollTo: jest.fn(),
    setNavigationBarTitle: jest.fn(),
    requestSubscribeMessage: jest.fn(opts => later(() => opts.success && opts.success({ errMsg: 'requestSubscribeMessage:ok' }))),
    chooseMedia: jest.fn(opts => later(() => opts.success && opts.success({
      tempFiles: [{ tempFilePath: 'wxfile://tmp/photo.jpg', size: 1000, fileType: 'image' }],
    }))),
    chooseMessageFile: jest.fn(opts => later(() => opts.success && opts.success({
      tempFiles: [{ path: 'wxfile://tmp/proof.pdf', name: '证明.pdf', size: 1000 }],
    }))),
    previewImage: jest.fn(),
    openDocument: jest.fn(opts => later(() => opts.success && opts.success({}))),
  }
  return { wx, server, storage }
}

/** Put a fresh fake on global.wx (keeping miniprogram-simulate's mocks for the rest). */
function installWx({ token } = {}) {
  const fake = createWx()
  global.wx = Object.assign(global.wx || {}, fake.wx)
  if (token) fake.storage.dkt_token = token
  return fake
}

/** The titles of the toasts shown so far. */
function toasts(wx) {
  return wx.showToast.mock.calls.map(call => call[0].title)
}

module.exports = { installWx, toasts, FakeServer }
