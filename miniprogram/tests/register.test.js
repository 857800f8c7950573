/**
 * pages/account/register (快速注册): find the institution by name, fill the form, submit; the page
 * shows the server's words (待注册审核); a weak password or no institution is stopped first.
 */
const { installWx } = require('./helpers/wx')
const { openPage, text, tap } = require('./helpers/page')

const PAGE = 'pages/account/register/index'
let wx
let server

beforeEach(() => {
  ;({ wx, server } = installWx({ token: '' }))
})

function type(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', { detail: { value } })
}

test('search, pick, fill and submit', async () => {
  server.on('GET /auth/register/institutions', { status: 200, body: { data: [{ id: 7, name: '乌鲁木齐市第一人民医院', region: '天山区' }] } })
  server.on('POST /auth/register', { status: 201, body: { status: { value: 'pending', label: '注册待审核' }, institution: { id: 7, name: '乌鲁木齐市第一人民医院' }, message: '注册信息已提交，请等待执业机构注册审核' } })
  const page = await openPage(PAGE)
  type(page, '.name', '阿依古丽')
  type(page, '.id-number', '650102198803040078')
  type(page, '.qualification', 'Q6501')
  type(page, '.practice', 'P6501')
  type(page, '.password', 'Register2026')
  type(page, '.confirm-password', 'Register2026')
  await tap(page, '.submit-btn')
  expect(server.calls('POST /auth/register')).toHaveLength(0) // no institution yet
  type(page, '.keyword', '乌鲁木齐')
  await tap(page, '.search-btn')
  await tap(page, '.option')
  expect(text(page, '.picked')).toContain('乌鲁木齐市第一人民医院')
  await tap(page, '.submit-btn')
  expect(server.calls('POST /auth/register')[0].data).toEqual({
    name: '阿依古丽', id_number: '650102198803040078', institution_id: 7, category: 'clinical', level: 'physician',
    qualification_cert_no: 'Q6501', practice_cert_no: 'P6501', password: 'Register2026',
  })
  expect(text(page, '.done-text')).toContain('等待执业机构注册审核')
})

test('a weak password is stopped before any request', async () => {
  server.on('GET /auth/register/institutions', { status: 200, body: { data: [{ id: 7, name: '医院', region: '区' }] } })
  const page = await openPage(PAGE)
  ;[['.name', '甲'], ['.id-number', '650102198803040078'], ['.qualification', 'Q'], ['.practice', 'P'],
    ['.password', '123'], ['.confirm-password', '123'], ['.keyword', '医院']].forEach(([s, v]) => type(page, s, v))
  await tap(page, '.search-btn')
  await tap(page, '.option')
  await tap(page, '.submit-btn')
  expect(server.calls('POST /auth/register')).toHaveLength(0)
})
