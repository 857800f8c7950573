/**
 * pages/account/password (修改密码 at any time): 原密码 + 新密码 → POST /auth/password, back.
 */
const { installWx } = require('./helpers/wx')
const { openPage, tap } = require('./helpers/page')

const PAGE = 'pages/account/password/index'
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx({ token: 'tok' }))
})

function type(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', { detail: { value } })
}

test('修改密码 sends the old and the new password, then goes back', async () => {
  server.on('POST /auth/password', { status: 200, body: { ok: true } })
  const page = await openPage(PAGE)
  type(page, '.old-password', 'Oldpass2025')
  type(page, '.new-password', 'Newpass2026')
  type(page, '.confirm-password', 'Newpass2026')
  await tap(page, '.submit-btn')
  expect(server.calls('POST /auth/password')[0].data).toEqual({ old_password: 'Oldpass2025', new_password: 'Newpass2026' })
  expect(wx.navigateBack).toHaveBeenCalled()
})

test('mismatched new passwords are stopped', async () => {
  const page = await openPage(PAGE)
  type(page, '.old-password', 'Oldpass2025')
  type(page, '.new-password', 'Newpass2026')
  type(page, '.confirm-password', 'Newpass2027')
  await tap(page, '.submit-btn')
  expect(server.calls('POST /auth/password')).toHaveLength(0)
})
