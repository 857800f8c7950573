import { ref } from 'vue'
import { orgChoiceApi, type DepartmentNode } from '../../api/people'

export interface DeptOption { label: string; value: number }

function flatten(nodes: DepartmentNode[], prefix = ''): DeptOption[] {
  return nodes.flatMap((n) => [
    { label: prefix + n.name, value: n.id },
    ...flatten(n.children, `${prefix}${n.name} / `),
  ])
}

/** the caller's 科室 (一级, then its 二级 as "一级 / 二级") as select options, loaded once per page;
 * a flat select keeps the tree component out of the page's chunk (§13 budget) */
export function useDepartmentOptions() {
  const options = ref<DeptOption[]>([])
  orgChoiceApi.departments().then((t) => (options.value = flatten(t.data))).catch(() => undefined)
  return options
}
