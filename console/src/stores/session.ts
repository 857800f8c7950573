import { defineStore } from 'pinia'
import { authApi } from '../api/auth'
import type { Me } from '../api/auth'
import { token } from '../api/http'

export const useSession = defineStore('session', {
  state: () => ({ me: null as Me | null }),
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
    async switchRole(role: string) {
      await authApi.switchRole(role)
      await this.load()
    },
    async logout() {
      try {
        if (token.get()) await authApi.logout()
      } finally {
        token.clear()
        this.me = null
      }
    },
  },
})
