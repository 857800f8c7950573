/**
 * 定考通: the physicians' mini-program. The token lives in local storage (services/session.js)
 * and is mirrored here; the API address comes from config.js. Pages talk to the server only
 * through services/ (services/request.js is the one place that calls wx.request).
 */
const config = require('./config')
const session = require('./services/session')

App({
  globalData: {
    token: '',
    apiBase: config.apiBase,
  },

  onLaunch() {
    this.globalData.token = session.getToken()
  },
})
