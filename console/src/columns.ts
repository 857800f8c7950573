import type { PrimaryTableCol, TableRowData } from 'tdesign-vue-next'

export type Cols = PrimaryTableCol<TableRowData>[]

/** a `{value,label}` (or {id,name}) field shown as its label */
export function label(path: string): (h: unknown, p: { row: TableRowData }) => string {
  return (_h, { row }) => {
    let v: any = row
    for (const k of path.split('.')) v = v?.[k]
    if (v && typeof v === 'object') return v.label ?? v.name ?? '-'
    return v === null || v === undefined || v === '' ? '-' : String(v)
  }
}

export function datetime(path: string): (h: unknown, p: { row: TableRowData }) => string {
  return (_h, { row }) => {
    const v = row[path]
    return v ? String(v).replace('T', ' ').slice(0, 19) : '-'
  }
}
