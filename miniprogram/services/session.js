/**
 * The login token, kept in local storage (wx.setStorageSync) so it survives restarts, and
 * mirrored on getApp().globalData.token. Only services read or write it.
 */
const TOKEN_KEY = 'dkt_token'

function syncApp(token) {
  try {
    const app = typeof getApp === 'function' ? getApp() : null
    if (app && app.globalData) app.globalData.token = token
  } catch (e) {
    // getApp() is not ready during App() construction: storage is the source of truth
  }
}

function getToken() {
  try {
    return wx.getStorageSync(TOKEN_KEY) || ''
  } catch (e) {
    return ''
  }
}

function setToken(token) {
  wx.setStorageSync(TOKEN_KEY, token || '')
  syncApp(token || '')
}

function clear() {
  try {
    wx.removeStorageSync(TOKEN_KEY)
  } catch (e) {
    wx.setStorageSync(TOKEN_KEY, '')
  }
  syncApp('')
}

module.exports = { TOKEN_KEY, getToken, setToken, clear }
