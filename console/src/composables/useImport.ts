// The import steps shared by ImportDialog and the import pages (§11): choose an .xlsx (type and size
// checked before anything is sent), upload once (double clicks: one request), follow the job, download
// the template and the error report.
import { computed, ref } from 'vue'
import { jobApi } from '../api/areas'
import { http } from '../api/http'
import { saveBlob } from './useDownload'
import { useJob } from './useJob'
import { useSingleFlight } from './useSingleFlight'

/** the server's MAX_IMPORT_BYTES default */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024

export interface ImportPaths { template: string; templateName: string; upload: string }

export function useImport(paths: () => ImportPaths, maxBytes: () => number = () => MAX_IMPORT_BYTES) {
  const file = ref<File | null>(null)
  const pickError = ref('')
  const jobId = ref<string | null>(null)
  const maxMb = computed(() => Math.round(maxBytes() / 1024 / 1024))
  const { job, watchJob, stop } = useJob()
  const { busy, run } = useSingleFlight()

  function pick(e: Event) {
    const f = (e.target as HTMLInputElement).files?.[0] ?? null
    pickError.value = ''
    file.value = null
    if (!f) return
    if (!f.name.toLowerCase().endsWith('.xlsx')) pickError.value = '请选择 .xlsx 格式的 Excel 文件'
    else if (f.size > maxBytes()) pickError.value = `文件超过 ${maxMb.value} MB，请拆分后分批导入`
    else file.value = f
  }

  function clear() {
    file.value = null
    pickError.value = ''
    jobId.value = null
    job.value = null
  }

  async function downloadTemplate() {
    saveBlob(await http.blob(paths().template), paths().templateName)
  }

  async function upload() {
    if (!file.value) return
    await run(async () => {
      const started = await http.upload<{ id: string }>(paths().upload, file.value!)
      jobId.value = started.id
      watchJob(started.id)
    })
  }

  async function downloadErrors() {
    const stamp = new Date().toLocaleString('sv-SE').replace(/[-:]/g, '').replace(' ', '-')
    saveBlob(await jobApi.errors(jobId.value!), `错误报告-${stamp}.xlsx`)
  }

  return { file, pickError, jobId, job, maxMb, busy, pick, clear, downloadTemplate, upload, downloadErrors, stop }
}
