// @ts-check
/**
 * 学习: 题库练习, 模拟考试 and 错题本 (错题收藏). Server: server/routes/mp/practice.py.
 * Never touches real papers.
 */
const http = require('./request')

/**
 * {category, humanities[{knowledge_point, count}], professional[...]}
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/knowledge-points', 'get'>>}
 */
function knowledgePoints(opts) {
  return http.get('/practice/knowledge-points', undefined, opts)
}

/**
 * Questions without answers: [{question_id, qtype, stem, options[{label, text}]}].
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/questions', 'get'>>}
 */
async function questions({ paperType, knowledgePoint, count = 10, qtype }) {
  const body = await http.get('/practice/questions', {
    paper_type: paperType, knowledge_point: knowledgePoint, count, qtype,
  })
  return (body && body.data) || []
}

/**
 * 提交答案: [{question_id, answer[]}] → each with answer, explanation, chosen, correct.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/answers', 'post'>>}
 */
async function submitAnswers(answers) {
  /** @type {import('../types').Body<'/api/v1/mp/practice/answers', 'post'>} */
  const payload = { answers }
  const body = await http.post('/practice/answers', payload)
  return (body && body.data) || []
}

/**
 * 开始模拟考试 (not timed): {id, question_count, suggested_minutes, points_each, questions}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/mock-tests', 'post'>>}
 */
function createMock(paperType) {
  /** @type {import('../types').Body<'/api/v1/mp/practice/mock-tests', 'post'>} */
  const payload = { paper_type: paperType }
  return http.post('/practice/mock-tests', payload)
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/mock-tests', 'get'>>}
 */
function listMocks({ page = 1, size = 20 } = {}) {
  return http.get('/practice/mock-tests', { page, size })
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/mock-tests/{mock_id}', 'get'>>}
 */
function getMock(id) {
  return http.get(`/practice/mock-tests/${id}`)
}

/**
 * 交卷 (模拟): answers {"1": ["A"], ...} → score and review (idempotent).
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/mock-tests/{mock_id}/submit', 'post'>>}
 */
function submitMock(id, answers) {
  /** @type {import('../types').Body<'/api/v1/mp/practice/mock-tests/{mock_id}/submit', 'post'>} */
  const payload = { answers }
  return http.post(`/practice/mock-tests/${id}/submit`, payload)
}

/**
 * 错题本: {data[question + answer + explanation + wrong_count], count, page, size}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/wrong-answers', 'get'>>}
 * @param {{page?: number, size?: number, paperType?: string, knowledgePoint?: string}} [filters]
 */
function listWrong({ page = 1, size = 20, paperType, knowledgePoint } = {}) {
  return http.get('/practice/wrong-answers', { page, size, paper_type: paperType, knowledge_point: knowledgePoint })
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/wrong-answers', 'post'>>}
 */
function addWrong(questionId) {
  /** @type {import('../types').Body<'/api/v1/mp/practice/wrong-answers', 'post'>} */
  const payload = { question_id: questionId }
  return http.post('/practice/wrong-answers', payload)
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/practice/wrong-answers/{question_id}', 'delete'>>}
 */
function removeWrong(questionId) {
  return http.del(`/practice/wrong-answers/${questionId}`)
}

module.exports = {
  knowledgePoints, questions, submitAnswers, createMock, listMocks, getMock, submitMock, listWrong, addWrong,
  removeWrong,
}
