// The reviewers' moves on assessments, shared by the review queues, 考核进度 and the record page (查看):
// a row action (AvailableAction from the server) → ReasonDialog when it needs a reason, a small form when
// the move carries data (评定 / 复核 / 确认再次考核名单), else one call; batch moves → BatchResultDialog.
// Every call goes through one single-flight guard: a double click sends one request.
import { reactive, ref } from 'vue'
import { reviewApi } from '../api/review'
import type { ActionBody, AvailableAction } from '../api/review'
import { ApiError, fieldErrors } from '../api/http'
import type { BatchOutcome } from '../components/BatchResultDialog.vue'
import { useSingleFlight } from './useSingleFlight'

/** moves made from their own pages, not from 考核进度 / 查看: 处理 → 违纪不合格 belongs to 监考管理 (with the evidence) */
const ELSEWHERE = new Set(['admin_mark_violation'])
export function listedActions(actions: AvailableAction[]): AvailableAction[] {
  return actions.filter((a) => !ELSEWHERE.has(a.action))
}

/** the assessment a move is made on: its id, the version the page saw, the physician's name */
export interface ActionTarget {
  id: number
  version?: number
  name: string
  work_result?: { label: string } | null
  ethics_result?: { label: string } | null
}

/** moves that carry more than a reason: the form the dialog shows */
export type FormKind = 'evaluation' | 'review_submit' | 'review_reject' | 'reexam_confirm'
const FORM_OF: Record<string, FormKind> = {
  hi_submit_evaluation: 'evaluation',
  ai_submit_review: 'review_submit',
  ai_reject_review: 'review_reject',
  admin_confirm_reexam: 'reexam_confirm',
}

function blankForm() {
  return {
    work_result: '', ethics_result: '', opinion: '', reason: '',
    work_agree: true, ethics_agree: true, suspension_months: 3,
  }
}
export type MoveForm = ReturnType<typeof blankForm>

async function toast(kind: 'success' | 'warning', text: string) {
  const { MessagePlugin } = await import('tdesign-vue-next')
  MessagePlugin[kind](text)
}

export function useAssessmentActions(onDone: () => unknown) {
  const { busy, run } = useSingleFlight()
  const reason = reactive({ visible: false, header: '驳回', label: '驳回原因', target: null as ActionTarget | null, action: '' })
  const form = reactive({
    visible: false, kind: '' as FormKind | '', header: '', action: '', target: null as ActionTarget | null,
    data: blankForm(), errors: {} as Record<string, string>,
  })
  const batchResult = ref<BatchOutcome | null>(null)
  const batchVisible = ref(false)
  const batchNames = ref<Record<string, string>>({})

  async function move(target: ActionTarget, action: string, label: string, body: ActionBody) {
    try {
      await reviewApi.act(target.id, action, { ...body, ...(target.version !== undefined ? { version: target.version } : {}) })
    } catch (e) {
      // moved on meanwhile (stale_version / no longer allowed): the server's message was shown; show the record as it is now
      if (e instanceof ApiError && (e.status === 409 || e.code === 'invalid_transition')) await onDone()
      throw e
    }
    void toast('success', `${target.name}：${label}成功`)
    await onDone()
  }

  /** a row action was pressed */
  function press(target: ActionTarget, a: AvailableAction) {
    const kind = FORM_OF[a.action]
    if (kind) {
      Object.assign(form, { visible: true, kind, header: `${a.label} — ${target.name}`, action: a.action, target })
      form.data = blankForm()
      form.errors = {}
      return
    }
    if (a.needs_reason) {
      Object.assign(reason, {
        visible: true, header: `${a.label} — ${target.name}`, target, action: a.action,
        label: /不同意|不允许/.test(a.label) ? '理由' : /驳回/.test(a.label) ? '驳回原因' : `${a.label}理由`,
      })
      return
    }
    return run(() => move(target, a.action, a.label, {}).catch(() => undefined))
  }

  /** ReasonDialog's submit: closes it on success; on failure (message shown) it stays open */
  function submitReason(text: string) {
    const t = reason.target!
    return move(t, reason.action, reason.header.split(' — ')[0], { reason: text })
      .then(() => { reason.visible = false }, () => undefined)
  }

  function formBody(): ActionBody {
    const d = form.data
    switch (form.kind) {
      case 'evaluation': return { work_result: d.work_result, ethics_result: d.ethics_result, opinion: d.opinion }
      case 'review_submit': return { opinion: d.opinion }
      case 'review_reject': return { work_agree: d.work_agree, ethics_agree: d.ethics_agree, reason: d.reason }
      case 'reexam_confirm': return { suspension_months: d.suspension_months } // from the day of the confirmation
      default: return {}
    }
  }

  /** the form's own checks, before any request (the server checks again) */
  function formProblems(): Record<string, string> {
    const d = form.data
    const out: Record<string, string> = {}
    if (form.kind === 'evaluation') {
      if (!d.work_result) out.work_result = '请评定工作成绩'
      if (!d.ethics_result) out.ethics_result = '请评定职业道德'
    }
    if (form.kind === 'review_reject') {
      if (d.work_agree && d.ethics_agree) out.work_agree = '驳回时工作成绩、职业道德至少一项应选择“不同意”'
      if (!d.reason.trim()) out.reason = '请填写驳回原因'
    }
    return out
  }

  function submitForm() {
    form.errors = formProblems()
    if (Object.keys(form.errors).length) return
    return run(async () => {
      try {
        await move(form.target!, form.action, form.header.split(' — ')[0], formBody())
        form.visible = false
      } catch (e) {
        form.errors = fieldErrors(e)
      }
    })
  }

  /** a batch move over the ticked rows → 成功 N 条 / 失败 M 条 with names, then reload */
  function batch(action: string, targets: ActionTarget[], call?: (ids: number[]) => Promise<BatchOutcome>) {
    if (!targets.length) {
      void toast('warning', '请先勾选记录')
      return
    }
    return run(async () => {
      const ids = targets.map((t) => t.id)
      try {
        batchResult.value = call ? await call(ids) : await reviewApi.batch(action, ids)
      } catch {
        return
      }
      batchNames.value = Object.fromEntries(targets.map((t) => [String(t.id), t.name]))
      batchVisible.value = true
      await onDone()
    })
  }

  return { busy, run, reason, form, batchResult, batchVisible, batchNames, press, submitReason, submitForm, batch }
}
export type AssessmentActions = ReturnType<typeof useAssessmentActions>

/** a PDF fetched with the token, opened in a new tab through an object URL (revoked a minute later) */
export async function openPdf(load: () => Promise<Blob>) {
  const blob = await load()
  const url = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: 'application/pdf' }))
  window.open(url, '_blank')
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** a list row as the target of a move */
export function targetOf(row: { id: number; version?: number; physician: { name: string };
  work_result?: { label: string } | null; ethics_result?: { label: string } | null }): ActionTarget {
  return { id: row.id, version: row.version, name: row.physician.name, work_result: row.work_result, ethics_result: row.ethics_result }
}
