// Filters mirrored in the URL query, server paging (page/size), count, loading, selection (§10).
import { reactive, ref, watch } from 'vue'
import type { Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import type { Page, Query } from '../api/http'

export function useListPage<F extends Record<string, string>, R = Record<string, any>>(
  fetchPage: (q: Query) => Promise<Page<R> & Record<string, any>>,
  blankFilters: F,
) {
  const route = useRoute()
  const router = useRouter()
  const filters = reactive({ ...blankFilters }) as F
  for (const k of Object.keys(blankFilters)) {
    const v = route.query[k]
    if (typeof v === 'string') (filters as Record<string, string>)[k] = v
  }
  const rows = ref([]) as Ref<R[]>
  const extra = ref<Record<string, any>>({})
  const loading = ref(false)
  const selected = ref<(string | number)[]>([])
  const pagination = reactive({
    current: Number(route.query.page ?? 1) || 1,
    pageSize: Number(route.query.size ?? 20) || 20,
    total: 0,
    showJumper: true,
    pageSizeOptions: [10, 20, 50, 100],
    totalContent: true,
  })

  async function load() {
    loading.value = true
    try {
      const res = await fetchPage({ ...filters, page: pagination.current, size: pagination.pageSize })
      const { data, count, page: _p, size: _s, ...rest } = res
      rows.value = data
      pagination.total = count
      extra.value = rest
    } catch {
      rows.value = []
    } finally {
      loading.value = false
    }
  }

  function syncUrl() {
    const q: Record<string, string> = {}
    for (const [k, v] of Object.entries(filters)) if (v) q[k] = String(v)
    if (pagination.current > 1) q.page = String(pagination.current)
    if (pagination.pageSize !== 20) q.size = String(pagination.pageSize)
    router.replace({ query: q })
  }

  function search() {
    pagination.current = 1
    selected.value = []
    syncUrl()
    return load()
  }

  function reset() {
    Object.assign(filters, blankFilters)
    return search()
  }

  function onPageChange(p: { current: number; pageSize: number }) {
    pagination.current = p.current
    pagination.pageSize = p.pageSize
    selected.value = []
    syncUrl()
    load()
  }

  load()
  return { filters, rows, extra, loading, selected, pagination, search, reset, onPageChange, load }
}

/** column settings persisted per page */
export function useColumnSettings(key: string, all: string[]) {
  const stored = localStorage.getItem(`dkt-cols:${key}`)
  const displayColumns = ref<string[]>(stored ? JSON.parse(stored) : all)
  watch(displayColumns, (v) => localStorage.setItem(`dkt-cols:${key}`, JSON.stringify(v)))
  return displayColumns
}
