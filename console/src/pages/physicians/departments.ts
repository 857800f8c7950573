import { ref } from 'vue'
import { orgChoiceApi, type DepartmentNode } from '../../api/people'

export interface TreeOption { label: string; value: number; children?: TreeOption[] }

function toOption(n: DepartmentNode): TreeOption {
  return { label: n.name, value: n.id, children: n.children.length ? n.children.map(toOption) : undefined }
}

/** the caller's 科室 as tree-select options (loaded once per page) */
export function useDepartmentOptions() {
  const options = ref<TreeOption[]>([])
  orgChoiceApi.departments().then((t) => (options.value = t.data.map(toOption))).catch(() => undefined)
  return options
}
