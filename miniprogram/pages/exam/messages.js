/**
 * The Chinese messages of the exam pages. The server's own message (always Chinese, with the
 * reason: "不在首轮考核时间内，不能参加测评", "请先通过人文医学测评，再参加业务水平测评" …) is
 * shown as it comes; these are the client's words for what only the client knows, and hints
 * added to a few server refusals.
 */

const TEXT = {
  offline: '网络已断开：答案已保存在本机，恢复网络后将自动提交',
  unsaved: (n) => `有${n}题答案尚未保存到服务器，正在重试`,
  saving: '保存中…',
  saved: '已保存',
  failed: '未保存，将自动重试',
  pausedForFace: '请先完成考中人脸核验，核验通过后答案将继续保存（考试计时不会暂停）',
  midPromptTitle: '考中人脸核验',
  midPrompt: '系统需要核验您的身份。请在光线充足处正对摄像头完成核验后继续答题（考试计时不会暂停，已作答的答案不会丢失）。',
  submitConfirmTitle: '确认交卷',
  submitConfirm: (answered, total) => {
    const left = total - answered
    const head = left > 0 ? `共${total}题，已答${answered}题，还有${left}题未答。` : `共${total}题，已全部作答。`
    return `${head}交卷前需进行人脸核验，交卷后不能修改答案。确定交卷吗？`
  },
  unsavedBeforeSubmit: (n) => `还有${n}题答案未保存到服务器（网络异常），请检查网络，待答案保存后再交卷。`,
  submitCheckMissing: '未完成交卷人脸核验，试卷尚未提交，请重新点击“交卷”',
  midBeforeSubmitMissing: '交卷前需完成考中人脸核验，试卷尚未提交，请重新点击“交卷”',
  submitNetwork: '网络连接失败，试卷尚未提交。答案已保存，请检查网络后重新点击“交卷”',
  autoSubmitting: '考试时间已到，正在按已保存的答案自动交卷…',
  autoSubmitOffline: '考试时间已到。网络恢复后将自动交卷；服务器也会按已保存的答案自动交卷',
  authLost: '登录已失效。已作答的答案保存在本机，重新登录后再次进入本试卷即可继续作答并自动提交。',
  loadFailed: '试卷加载失败，请检查网络后重试（已作答的答案保存在本机，不会丢失）',
  minOneOption: '多选题至少需保留一个选项，可直接选择其他选项修改答案',
  rejected: '该题答案未被服务器接受',
  warnTitle: '时间提醒',
  closedTitle: '测评已结束',
  closedElsewhere: '本次测评已交卷（可能已在其他设备交卷，或考试时间已到由系统自动交卷）',
  resultAuto: '考试时间已到，系统已按已保存的答案自动交卷',
  resultDone: '已交卷',
  scoreHidden: '成绩待公布',
  passed: '合格',
  notPassed: '不合格',
}

/** The message of a rejection from services (request.js's ApiError), or a fallback. */
function messageOf(err, fallback) {
  if (err && typeof err.message === 'string' && err.message) return err.message
  return fallback || '操作失败，请稍后重试'
}

module.exports = { TEXT, messageOf }
