/**
 * The answer sheet's views, pure: a question with its chosen letters, the answer after a tap,
 * the navigation grid (saved / pending / failed / empty), the banner, the clock's colour and
 * the result. Used by logic.js; tested without a page.
 */
const { TEXT } = require('../messages')

const CAMERA = '/pages/exam/camera/index'

function isMultiple(question) {
  return !!question && question.qtype && question.qtype.value === 'multiple'
}

/** A question as the page shows it, with the letters chosen marked. */
function questionView(question, chosen) {
  if (!question) return null
  const picked = chosen || []
  return {
    no: question.no,
    typeLabel: (question.qtype && question.qtype.label) || '',
    multiple: isMultiple(question),
    stem: question.stem,
    options: (question.options || []).map((o) => ({
      label: o.label,
      text: o.text,
      checked: picked.indexOf(o.label) >= 0,
    })),
  }
}

/**
 * The answer after tapping `label`: single choice and judge take the letter; multiple choice
 * toggles it. null when a multiple choice would be left empty (the server keeps at least one).
 */
function toggle(question, current, label) {
  if (!isMultiple(question)) return [label]
  const set = (current || []).slice()
  const at = set.indexOf(label)
  if (at >= 0) set.splice(at, 1)
  else set.push(label)
  if (!set.length) return null
  return set.sort()
}

/** The navigation grid: one cell per question, its state and whether it is the current one. */
function gridView(questions, answers, states, currentIndex) {
  return questions.map((q, i) => {
    const chosen = answers[q.no]
    const state = chosen && chosen.length ? (states[q.no] || 'pending') : 'empty'
    return { no: q.no, index: i, state, current: i === currentIndex }
  })
}

function saveText(state, entry) {
  if (!state) return ''
  if (entry && entry.rejected) return `${TEXT.rejected}：${entry.message || ''}`
  return { saved: TEXT.saved, pending: TEXT.saving, failed: TEXT.failed }[state] || ''
}

/** The banner over the questions: offline / unsaved / waiting for the mid check. */
function bannerView(snap) {
  if (!snap) return { show: false, text: '', tone: '' }
  if (snap.paused === 'mid') return { show: true, text: TEXT.pausedForFace, tone: 'warn' }
  if (snap.offline && snap.unsaved > 0) return { show: true, text: `${TEXT.offline}（${snap.unsaved}题未保存）`, tone: 'danger' }
  if (snap.offline) return { show: true, text: TEXT.offline, tone: 'danger' }
  if (snap.failed > 0) return { show: true, text: TEXT.unsaved(snap.failed), tone: 'warn' }
  return { show: false, text: '', tone: '' }
}

function clockTone(seconds) {
  if (seconds === null || seconds === undefined) return ''
  if (seconds <= 60) return 'danger'
  if (seconds <= 300) return 'warn'
  return ''
}

/** The result of a submitted attempt (the score only if the province shows it). */
function resultView(attempt) {
  const r = (attempt && attempt.result) || {}
  return {
    paper: (attempt && attempt.paper_type && attempt.paper_type.label) || '',
    attemptNo: attempt ? attempt.attempt_no : null,
    scoreVisible: !!r.score_visible,
    score: r.score_visible && r.score !== null && r.score !== undefined ? r.score : '',
    passed: r.passed === true,
    passedText: r.passed === true ? TEXT.passed : (r.passed === false ? TEXT.notPassed : ''),
    showPassed: r.score_visible && (r.passed === true || r.passed === false),
    passLine: r.pass_line,
    headline: r.auto_submitted ? TEXT.resultAuto : TEXT.resultDone,
    answered: attempt ? attempt.answered_count : 0,
    total: attempt ? attempt.question_count : 0,
  }
}

function cameraUrl(attemptId, moment) {
  return `${CAMERA}?id=${attemptId}&moment=${moment}`
}

module.exports = {
  isMultiple,
  questionView,
  toggle,
  gridView,
  saveText,
  bannerView,
  clockTone,
  resultView,
  cameraUrl,
}
