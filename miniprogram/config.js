/**
 * 定考通 mini-program settings. Edit here (never in pages or services).
 *
 * serverUrl: the Sanic server. In WeChat DevTools tick 「不校验合法域名」 for a local server
 *   (project.config.json already sets urlCheck false); a released version needs an HTTPS
 *   domain registered as 「request合法域名」 / 「uploadFile合法域名」 / 「downloadFile合法域名」.
 * subscribeTemplates: the 订阅消息 template ids, by the moment the physician is asked
 *   (services/subscribe.js). They must be the ids the server sends with
 *   (WECHAT_SUBSCRIBE_TEMPLATES in server/config.py). Empty = don't ask. At most 3 per moment.
 */
const serverUrl = 'http://127.0.0.1:8000'

module.exports = {
  serverUrl,
  apiBase: `${serverUrl}/api/v1/mp`,
  timeout: 15000, // ms, every request
  uploadTimeout: 60000,
  subscribeTemplates: {
    enrolment: [], // 提交信息 / 重新选择考核程序 / 申请修改: 审核结果通知
    application: [], // 申请免考 / 申请延期考核: 审批结果通知
    exam: [], // before 参加测评: 测评通知、考核结果通知
  },
}
