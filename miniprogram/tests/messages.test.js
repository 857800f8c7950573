/**
 * pages/messages/list: the list with unread marks, opening one marks it read, 全部已读,
 * the next page on reaching the bottom.
 */
const { installWx } = require('./helpers/wx')
const { openPage, text, texts, tap } = require('./helpers/page')

const PAGE = 'pages/messages/list/index'
let wx
let server

function message(id, read, title) {
  return { id, template: 'hi_approve_enrolment', title, body: `${title}的内容`, data: {}, read, read_at: null,
    created_at: '2024-05-0' + (id % 9 + 1) + 'T08:30:00+00:00' }
}

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

test('the list: titles, unread marks, counts', async () => {
  server.on('GET /messages', {
    status: 200,
    body: { data: [message(3, false, '报名信息已通过卫生机构审核'), message(2, false, '报名信息被驳回'), message(1, true, '已开通报名')],
      count: 3, page: 1, size: 20, unread: 2 },
  })
  const page = await openPage(PAGE)
  expect(texts(page, '.title')).toEqual(['报名信息已通过卫生机构审核', '报名信息被驳回', '已开通报名'])
  expect(page.querySelectorAll('.message.unread')).toHaveLength(2)
  expect(page.querySelectorAll('.dot')).toHaveLength(2)
  expect(text(page, '.summary')).toBe('共3条，未读2条')
  expect(text(page, '.end')).toBe('没有更多了')
  const [req] = server.calls('GET /messages')
  expect(req.query).toEqual({ page: 1, size: 20, order: 'newest' })
})

test('opening an unread message marks it read; 全部已读 clears the rest', async () => {
  server.on('GET /messages', {
    status: 200,
    body: { data: [message(3, false, '免考申请已通过'), message(2, false, '延期考核申请已批准')], count: 2, page: 1, size: 20, unread: 2 },
  })
  server.on('POST /messages/3/read', { status: 200, body: Object.assign(message(3, true, '免考申请已通过'), { unread: 1 }) })
  server.on('POST /messages/read-all', { status: 200, body: { updated: 1, unread: 0 } })
  const page = await openPage(PAGE)
  await tap(page, '.message')
  expect(server.calls('POST /messages/3/read')).toHaveLength(1)
  expect(page.data.items[0]).toMatchObject({ read: true, open: true })
  expect(page.querySelectorAll('.dot')).toHaveLength(1)
  expect(text(page, '.summary')).toBe('共2条，未读1条')

  await tap(page, '.message') // already read: folds, no second request
  expect(server.calls('POST /messages/3/read')).toHaveLength(1)

  await tap(page, '.read-all')
  expect(server.calls('POST /messages/read-all')).toHaveLength(1)
  expect(page.querySelectorAll('.dot')).toHaveLength(0)
  expect(page.querySelector('.read-all')).toBeFalsy()
})

test('more on reaching the bottom; an empty inbox says so', async () => {
  const first = Array.from({ length: 20 }, (_, i) => message(40 - i, true, `消息${40 - i}`))
  server.sequence('GET /messages', [
    { status: 200, body: { data: first, count: 21, page: 1, size: 20, unread: 0 } },
    { status: 200, body: { data: [message(1, true, '消息1')], count: 21, page: 2, size: 20, unread: 0 } },
  ])
  const page = await openPage(PAGE)
  expect(page.data.more).toBe(true)
  await page.instance.onReachBottom()
  expect(server.calls('GET /messages')[1].query.page).toBe(2)
  expect(page.data.items).toHaveLength(21)
  expect(page.data.more).toBe(false)

  server.on('GET /messages', { status: 200, body: { data: [], count: 0, page: 1, size: 20, unread: 0 } })
  const empty = await openPage(PAGE)
  expect(text(empty, '.no-messages')).toBe('暂无消息')
})
