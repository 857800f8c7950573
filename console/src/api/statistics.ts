// 考核进度统计 / 考核结果统计 (CONSOLE.md §12): one function per endpoint, typed from the server's OpenAPI.
import { http } from './http'
import type { components } from './schema'

export type StatsKind = 'progress' | 'results'
export type StatsSnapshot = components['schemas']['StatsSnapshotView']
export type StatsColumn = components['schemas']['StatsColumn']
export type JobView = components['schemas']['JobView']

export const statisticsApi = {
  /** the latest snapshot; 404 statistics_not_found before the first refresh (the page shows its empty state) */
  latest: (kind: StatsKind) => http.get<StatsSnapshot>(`/statistics/${kind}`, undefined, { silent: true }),
  /** 刷新统计: 202 with the job; 409 statistics_running */
  refresh: (kind: StatsKind) => http.post<JobView>(`/statistics/${kind}/refresh`, {}, { silent: true }),
  /** 下载 the latest snapshot as Excel */
  excel: (kind: StatsKind) => http.blob(`/statistics/${kind}/excel`),
}
