// Poll GET /jobs/<id> every 1 s, backing off to 3 s after 30 s (§11).
import { onBeforeUnmount, ref } from 'vue'
import { jobApi } from '../api/areas'

export function useJob() {
  const job = ref<Record<string, any> | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined
  let started = 0

  async function tick(id: number | string) {
    try {
      job.value = await jobApi.get(String(id)) // job ids are UUIDs
    } catch {
      return
    }
    if (!job.value?.finished) timer = setTimeout(() => tick(id), Date.now() - started > 30_000 ? 3000 : 1000)
  }

  function watchJob(id: number | string) {
    stop()
    started = Date.now()
    job.value = null
    tick(id)
  }

  function stop() {
    if (timer) clearTimeout(timer)
  }

  onBeforeUnmount(stop)
  return { job, watchJob, stop }
}
