/**
 * 站内消息. Server: server/routes/mp/messages.py.
 */
const http = require('./request')

/** {data[{id, title, body, read, created_at}], count, page, size, unread}. */
function list({ page = 1, size = 20, order = 'newest' } = {}, opts) {
  return http.get('/messages', { page, size, order }, opts)
}

/** 标为已读 → the message and the unread count left. */
function markRead(id) {
  return http.post(`/messages/${id}/read`, {}, { silent: true })
}

function markAllRead() {
  return http.post('/messages/read-all', {})
}

module.exports = { list, markRead, markAllRead }
