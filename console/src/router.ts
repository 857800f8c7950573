import { createRouter, createWebHistory } from 'vue-router'
import { token } from './api/http'
import { useSession } from './stores/session'
import { allowedPaths } from './menus'

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
        { path: 'home', component: () => import('./pages/home/Home.vue') },
        { path: 'physicians', component: () => import('./pages/physicians/PhysicianList.vue') },
        { path: 'progress', component: () => import('./pages/progress/ProgressList.vue') },
        { path: 'accounts', component: () => import('./pages/accounts/AccountList.vue') },
        { path: 'exports', component: () => import('./pages/system/ExportList.vue') },
        { path: 'audit-logs', component: () => import('./pages/system/AuditLogList.vue') },
        { path: 'security', component: () => import('./pages/auth/Security.vue') },
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
  if (to.path !== '/home' && !allowedPaths(me).has(to.path)) return '/home'
  return true
})
