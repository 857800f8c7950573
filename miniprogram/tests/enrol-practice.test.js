/**
 * 执业信息: 执业类别 and 医师级别 are pickers the physician may correct; 从事专业 is picked from the
 * category's list (the server's code list); only the certificate numbers are greyed.
 */
const { installWx } = require('./helpers/wx')
const { openPage, text, texts, tap } = require('./helpers/page')
const { enrolmentView } = require('./support/enrolment')

const PAGE = 'pages/enrol/practice/index'
let server

beforeEach(() => {
  ;({ server } = installWx({ token: 'tok' }))
})

const settle = () => new Promise(r => setTimeout(r, 0))

test('category and level are pickers, specialties a list of the category; only the certificates are greyed', async () => {
  server.on('GET /enrolment', { status: 200, body: enrolmentView() })
  const page = await openPage(PAGE)
  expect(texts(page, '.readonly .field-label')).toEqual(['资格证书编号', '执业证书编号'])
  expect(text(page, '.category')).toBe('临床')
  expect(text(page, '.level')).toBe('执业医师')
  expect(text(page, '.specialties')).toBe('普通外科专业')
  expect(texts(page, '.specialty')).toEqual(['内科专业', '普通外科专业', '神经外科专业'])
})

test('correcting the category clears the specialties and offers its list; 保存 sends the codes', async () => {
  server.on('GET /enrolment', { status: 200, body: enrolmentView() })
  server.on('PUT /enrolment/practice', req => ({ status: 200, body: { step: 'practice', data: req.data, missing: [] } }))
  const page = await openPage(PAGE)
  page.querySelector('.category-picker').dispatchEvent('change', { detail: { value: '2' } }) // 口腔
  page.querySelector('.level-picker').dispatchEvent('change', { detail: { value: '1' } }) // 执业助理医师
  await settle()
  expect(text(page, '.category')).toBe('口腔')
  expect(text(page, '.level')).toBe('执业助理医师')
  expect(texts(page, '.specialty')).toEqual(['口腔专业', '口腔正畸专业'])
  page.querySelector('.specialty-list').dispatchEvent('change', { detail: { value: ['口腔正畸专业'] } })
  await settle()
  await tap(page, '.save-btn')
  const [put] = server.calls('PUT /enrolment/practice')
  expect(put.data).toMatchObject({ category: 'dental', level: 'assistant', specialties: ['口腔正畸专业'] })
  expect(Object.keys(put.data)).not.toEqual(expect.arrayContaining(['qualification_cert_no', 'practice_cert_no']))
})

test('申请修改 never sends 执业类别 / 医师级别 (only while enrolling)', async () => {
  const view = enrolmentView({ mode: 'modification' })
  server.on('GET /enrolment', { status: 200, body: view })
  server.on('PUT /modification', { status: 200, body: {} })
  const page = await openPage(PAGE)
  await tap(page, '.save-btn')
  const [put] = server.calls('PUT /modification')
  expect(put.data.practice).not.toHaveProperty('category')
  expect(put.data.practice).not.toHaveProperty('level')
})
