/**
 * 学习: 题库练习, 模拟考试 and 错题本 (错题收藏). Server: server/routes/mp/practice.py.
 * Never touches real papers.
 */
const http = require('./request')

/** {category, humanities[{knowledge_point, count}], professional[...]} */
function knowledgePoints(opts) {
  return http.get('/practice/knowledge-points', undefined, opts)
}

/** Questions without answers: [{question_id, qtype, stem, options[{label, text}]}]. */
async function questions({ paperType, knowledgePoint, count = 10, qtype }) {
  const body = await http.get('/practice/questions', {
    paper_type: paperType, knowledge_point: knowledgePoint, count, qtype,
  })
  return (body && body.data) || []
}

/** 提交答案: [{question_id, answer[]}] → each with answer, explanation, chosen, correct. */
async function submitAnswers(answers) {
  const body = await http.post('/practice/answers', { answers })
  return (body && body.data) || []
}

/** 开始模拟考试 (not timed): {id, question_count, suggested_minutes, points_each, questions}. */
function createMock(paperType) {
  return http.post('/practice/mock-tests', { paper_type: paperType })
}

function listMocks({ page = 1, size = 20 } = {}) {
  return http.get('/practice/mock-tests', { page, size })
}

function getMock(id) {
  return http.get(`/practice/mock-tests/${id}`)
}

/** 交卷 (模拟): answers {"1": ["A"], ...} → score and review (idempotent). */
function submitMock(id, answers) {
  return http.post(`/practice/mock-tests/${id}/submit`, { answers })
}

/** 错题本: {data[question + answer + explanation + wrong_count], count, page, size}. */
function listWrong({ page = 1, size = 20, paperType, knowledgePoint } = {}) {
  return http.get('/practice/wrong-answers', { page, size, paper_type: paperType, knowledge_point: knowledgePoint })
}

function addWrong(questionId) {
  return http.post('/practice/wrong-answers', { question_id: questionId })
}

function removeWrong(questionId) {
  return http.del(`/practice/wrong-answers/${questionId}`)
}

module.exports = {
  knowledgePoints, questions, submitAnswers, createMock, listMocks, getMock, submitMock, listWrong, addWrong,
  removeWrong,
}
