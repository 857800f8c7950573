// @ts-check
/**
 * 订阅消息 consent (wx.requestSubscribeMessage), asked at the moments the server will notify:
 *   'enrolment'   — 提交信息, 重新选择考核程序, 申请修改 / 提交修改 (审核结果)
 *   'application' — 申请免考, 申请延期考核 (审批结果)
 *   'exam'        — before 参加测评 (测评通知, 考核结果)
 * WeChat only shows the dialog when it is called straight from a tap, so call ask() first in
 * the tap handler, before any other await. It never rejects: a refusal or an error must not
 * stop the submit that follows (站内消息 and SMS still reach the physician).
 * Resolves {asked, accepted: [template ids], result}.
 */
const config = require('../config')

function templatesFor(moment) {
  const ids = (config.subscribeTemplates && config.subscribeTemplates[moment]) || []
  return ids.filter(Boolean).slice(0, 3)
}

function ask(moment) {
  const tmplIds = templatesFor(moment)
  if (!tmplIds.length || typeof wx.requestSubscribeMessage !== 'function') {
    return Promise.resolve({ asked: false, accepted: [], result: null })
  }
  return new Promise(resolve => {
    try {
      wx.requestSubscribeMessage({
        tmplIds,
        success(res) {
          resolve({ asked: true, accepted: tmplIds.filter(id => res && res[id] === 'accept'), result: res })
        },
        fail(err) {
          resolve({ asked: true, accepted: [], result: err || null })
        },
      })
    } catch (e) {
      resolve({ asked: false, accepted: [], result: null })
    }
  })
}

module.exports = { ask, templatesFor }
