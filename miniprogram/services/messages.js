// @ts-check
/**
 * 站内消息. Server: server/routes/mp/messages.py.
 */
const http = require('./request')

/**
 * {data[{id, title, body, read, created_at}], count, page, size, unread}.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/messages', 'get'>>}
 */
function list({ page = 1, size = 20, order = 'newest' } = {}, opts) {
  return http.get('/messages', { page, size, order }, opts)
}

/**
 * 标为已读 → the message and the unread count left.
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/messages/{message_id}/read', 'post'>>}
 */
function markRead(id) {
  return http.post(`/messages/${id}/read`, {}, { silent: true })
}

/**
 * @returns {Promise<import('../types').Ok<'/api/v1/mp/messages/read-all', 'post'>>}
 */
function markAllRead() {
  return http.post('/messages/read-all', {})
}

module.exports = { list, markRead, markAllRead }
