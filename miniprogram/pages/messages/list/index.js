/**
 * 站内消息: newest first, 20 a page (more on reaching the bottom); tapping one opens it and
 * marks it read; 全部已读.
 */
const messages = require('../../../services/messages')
const format = require('../../../utils/format')

const SIZE = 20

function row(m) {
  return { id: m.id, title: m.title, body: m.body, read: Boolean(m.read), time: format.dateTime(m.created_at), open: false }
}

Page({
  data: {
    loading: true,
    failed: false,
    items: [],
    count: 0,
    unread: 0,
    page: 0,
    more: false,
    loadingMore: false,
  },

  onLoad() {
    return this.load()
  },

  async onPullDownRefresh() {
    await this.load()
    wx.stopPullDownRefresh()
  },

  onReachBottom() {
    return this.loadMore()
  },

  async load() {
    try {
      const body = await messages.list({ page: 1, size: SIZE })
      const items = (body.data || []).map(row)
      this.setData({
        loading: false, failed: false, items, count: body.count || 0, unread: body.unread || 0, page: 1,
        more: items.length < (body.count || 0),
      })
    } catch (e) {
      this.setData({ loading: false, failed: !this.data.items.length })
    }
  },

  async loadMore() {
    if (!this.data.more || this.data.loadingMore) return
    this.setData({ loadingMore: true })
    try {
      const body = await messages.list({ page: this.data.page + 1, size: SIZE })
      const known = {}
      this.data.items.forEach(m => {
        known[m.id] = true
      })
      const items = this.data.items.concat((body.data || []).filter(m => !known[m.id]).map(row))
      this.setData({ items, page: this.data.page + 1, count: body.count || 0, unread: body.unread || 0,
        more: items.length < (body.count || 0) && (body.data || []).length > 0 })
    } catch (e) {
      // shown by request.js; pull up again to retry
    } finally {
      this.setData({ loadingMore: false })
    }
  },

  async onOpen(e) {
    const index = Number(e.currentTarget.dataset.index)
    const item = this.data.items[index]
    if (!item) return
    this.setData({ [`items[${index}].open`]: !item.open })
    if (item.read) return
    this.setData({ [`items[${index}].read`]: true, unread: Math.max(0, this.data.unread - 1) })
    try {
      const res = await messages.markRead(item.id)
      if (res && typeof res.unread === 'number') this.setData({ unread: res.unread })
    } catch (e) {
      this.setData({ [`items[${index}].read`]: false, unread: this.data.unread + 1 })
    }
  },

  async onReadAll() {
    if (!this.data.unread) return
    try {
      await messages.markAllRead()
      this.setData({ items: this.data.items.map(m => Object.assign({}, m, { read: true })), unread: 0 })
    } catch (e) {
      // shown by request.js
    }
  },
})
