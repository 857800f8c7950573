import { createRouter, createWebHistory } from 'vue-router'
import type { RouteComponent, RouteRecordRaw } from 'vue-router'
import { token } from './api/http'
import { useSession } from './stores/session'
import { allowedPaths, leaves } from './menus'

// One lazy chunk per page file; menu.json names each leaf's page (pages/<page>.vue).
const PAGES = import.meta.glob('./pages/**/*.vue') as Record<string, () => Promise<RouteComponent>>

function page(name: string) {
  const load = PAGES[`./pages/${name}.vue`]
  if (!load) throw new Error(`menu.json names a missing page: ${name}`)
  return load
}

/** pages reached from a menu page (查看 …), allowed where their menu page is */
const DETAILS: { path: string; page: string; under: string[] }[] = [
  { path: 'progress/:id', page: 'progress/AssessmentDetail', under: ['/progress'] },
]

const menuRoutes: RouteRecordRaw[] = leaves().map((n) => ({
  path: n.path!.slice(1),
  component: page(n.page!),
  props: { ...(n.params ?? {}), ...(n.queue ? { queue: n.queue } : {}) }, // pages declare these props
  meta: { node: n },
}))

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/login', component: () => import('./pages/auth/Login.vue'), meta: { public: true } },
    { path: '/setup', component: () => import('./pages/auth/Setup.vue'), meta: { setup: true } },
    {
      path: '/',
      component: () => import('./layouts/ConsoleLayout.vue'),
      children: [
        { path: '', redirect: '/home' },
        ...menuRoutes,
        ...DETAILS.map((d) => ({ path: d.path, component: page(d.page), props: true, meta: { under: d.under } })),
      ],
    },
    { path: '/:rest(.*)*', redirect: '/home' },
  ],
})

// RuoYi's flow: token? → me → role-filtered paths; a hidden URL goes to 首页
router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!token.get()) return { path: '/login', query: { redirect: to.fullPath } }
  const session = useSession()
  if (!session.me) {
    try {
      await session.load()
    } catch {
      return false // 401 already redirects to the login page
    }
  }
  const me = session.me!
  if (me.account.must_change_password) return to.path === '/setup' ? true : '/setup'
  if (to.path === '/setup') return '/home'
  if (to.path === '/home') return true
  const allowed = allowedPaths(me)
  const under = (to.meta.under as string[] | undefined) ?? [to.path]
  if (!under.some((p) => allowed.has(p))) return '/home'
  return true
})
