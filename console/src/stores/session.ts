import { defineStore } from 'pinia'
import { authApi } from '../api/auth'
import type { Me } from '../api/auth'
import { token } from '../api/http'

export const useSession = defineStore('session', {
  state: () => ({ me: null as Me | null, switching: false }),
  getters: {
    loggedIn: () => !!token.get(),
    role: (s) => s.me?.role.value ?? '',
  },
  actions: {
    async load() {
      this.me = await authApi.me()
      return this.me
    },
    async login(t: string) {
      token.set(t)
      this.me = null
    },
    /** 身份切换: while it runs the layout shows no page, so no page of the old role calls the API as the new one */
    async switchRole(role: string, then: (me: Me) => Promise<unknown>) {
      await this.reload(then, () => authApi.switchRole(role))
    },
    /** reload the account (its role may have changed on the server), then `then` — with no page shown meanwhile */
    async reload(then: (me: Me) => Promise<unknown>, first?: () => Promise<unknown>) {
      this.switching = true
      try {
        if (first) await first()
        await then(await this.load())
      } finally {
        this.switching = false
      }
    },
    /** 退出: forget the token first (a call still in flight that comes back 401 then leads nowhere), then end the session */
    async logout() {
      const t = token.get()
      token.clear()
      this.me = null
      if (t) await authApi.logout(t).catch(() => undefined)
    },
  },
})
