// The menu tree per role (menu.json, in the seeds' words), filtered by /auth/me (§8).
import raw from './menu.json'
import type { Me } from './api/auth'

export interface MenuNode {
  title: string
  path?: string
  roles: string[]
  level?: string[]
  province?: boolean
  queue?: string
  api?: string
  /** the page file under src/pages/ (without .vue) */
  page?: string
  /** props passed to the page (e.g. kind, procedure) */
  params?: Record<string, string>
  children?: MenuNode[]
}

export const MENU = raw as MenuNode[]

function visible(n: MenuNode, me: Me): boolean {
  if (!n.roles.includes(me.role.value)) return false
  if (n.province && !me.is_province) return false
  if (n.level && !n.level.includes(me.org.region.level)) return false
  return true
}

export function menuFor(me: Me, nodes: MenuNode[] = MENU): MenuNode[] {
  const out: MenuNode[] = []
  for (const n of nodes) {
    if (!visible(n, me)) continue
    if (n.children) {
      const children = menuFor(me, n.children)
      if (children.length) out.push({ ...n, children })
    } else out.push(n)
  }
  return out
}

/** path → node, for the route guard */
export function allowedPaths(me: Me): Set<string> {
  const s = new Set<string>()
  const walk = (ns: MenuNode[]) => ns.forEach((n) => (n.path && s.add(n.path), n.children && walk(n.children)))
  walk(menuFor(me))
  return s
}

/** every leaf with a path, whatever the role (the router's table) */
export function leaves(nodes: MenuNode[] = MENU): MenuNode[] {
  return nodes.flatMap((n) => (n.children ? leaves(n.children) : n.path ? [n] : []))
}
