// How a snapshot's columns (server/services/reports/statistics.py) become table header groups and
// chart parts. Labels come from the server ("免考-免考通过", "简易程序-合格"); nothing is renamed here.
import type { StatsColumn, StatsKind } from '../../api/statistics'
import type { ChartSeries } from './StatisticsCharts.vue'

const HEADCOUNTS = new Set(['physicians', 'taking_part'])
const COLORS: Record<string, string> = {
  qualified: '#2ba471', passed: '#2ba471', reexam_passed: '#56c08d',
  failed: '#d54941', violation: '#8c1a1a', final_failed: '#b83b3b',
  reexam: '#e37318', reexam_listed: '#e37318', reexam_done: '#f5ba18',
  in_progress: '#0052d9', not_included: '#c6c6c6', left: '#8b8b8b', no_procedure: '#b5c7ff',
}

export interface ColumnGroup { title: string; columns: { column: StatsColumn; title: string }[] }

/** consecutive columns of one group ("免考-…", "简易程序-…", 考核状态) under one header */
export function columnGroups(kind: StatsKind, columns: StatsColumn[]): ColumnGroup[] {
  const out: ColumnGroup[] = []
  for (const c of columns) {
    const dash = c.label.indexOf('-')
    let group = ''
    let title = c.label
    if (dash > 0) {
      group = c.label.slice(0, dash)
      title = c.label.slice(dash + 1)
    } else if (kind === 'progress' && !c.key.includes(':') && !HEADCOUNTS.has(c.key)) {
      group = '考核状态'
    }
    const last = out[out.length - 1]
    if (last && last.title === group && group) last.columns.push({ column: c, title })
    else out.push({ title: group, columns: [{ column: c, title }] })
  }
  return out
}

/** the parts of one bar, which partition it: 考核进度 by status; 考核结果 by outcome, both
 * procedures added up ("sum:simple:passed+general:passed"), then the rows outside the procedures */
export function chartSeries(kind: StatsKind, columns: StatsColumn[]): ChartSeries[] {
  if (kind === 'progress') {
    return columns
      .filter((c) => !c.key.includes(':') && !HEADCOUNTS.has(c.key))
      .map((c) => ({ key: c.key, label: c.label, color: COLORS[c.key] }))
  }
  const byClass = new Map<string, { label: string; keys: string[] }>()
  const singles: ChartSeries[] = []
  for (const c of columns) {
    const [procedure, cls] = c.key.split(':')
    if (cls !== undefined) {
      if (cls === 'total') continue
      const entry = byClass.get(cls) ?? { label: c.label.slice(c.label.indexOf('-') + 1), keys: [] }
      entry.keys.push(`${procedure}:${cls}`)
      byClass.set(cls, entry)
    } else if (c.key !== 'total' && c.key !== 'exempted') {
      singles.push({ key: c.key, label: c.label, color: COLORS[c.key] })
    }
  }
  const parts = [...byClass].map(([cls, e]) => ({ key: `sum:${e.keys.join('+')}`, label: e.label, color: COLORS[cls] }))
  return [...parts, ...singles]
}
