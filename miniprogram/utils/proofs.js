/**
 * 证明材料 on a page: pick a file, upload it, keep {id, name} rows in `data.proofs`
 * (bounded by `data.proofsMax`). Shared by the procedure (简易程序) and 免考 pages.
 */
const choose = require('./choose')

async function addProof(page, upload) {
  if (page.data.uploading) return
  if (page.data.proofs.length >= page.data.proofsMax) {
    wx.showToast({ title: `证明材料最多${page.data.proofsMax}个`, icon: 'none' })
    return
  }
  let file
  try {
    file = await choose.chooseProof()
  } catch (e) {
    return // cancelled
  }
  page.setData({ uploading: true })
  try {
    const row = await upload(file.path)
    if (row) page.setData({ proofs: page.data.proofs.concat([{ id: row.id, name: file.name || row.name }]) })
  } catch (e) {
    // request.js showed why (e.g. 文件类型不支持)
  } finally {
    page.setData({ uploading: false })
  }
}

function removeProof(page, index) {
  const proofs = page.data.proofs.slice()
  proofs.splice(Number(index), 1)
  page.setData({ proofs })
}

module.exports = { addProof, removeProof }
