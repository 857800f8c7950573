import { http, request } from './http'
import type { Labelled } from './http'

export interface Me {
  account: { id: number; code: string; status: string; must_change_password: boolean; wechat_bound: boolean }
  org: { id: number; name: string; kind: string; kind_label: string; region: { id: number; name: string; level: string }; is_assessment_institution: boolean }
  role: Labelled
  roles: Labelled[]
  is_province: boolean
}

export const authApi = {
  captcha: () => request<{ captcha_id: string; image: string }>('/captcha', { base: '/api/v1' }),
  login: (body: { code: string; password: string; captcha_id: string; captcha: string }) =>
    http.post<{ token: string; must_change_password: boolean; role: string; roles: Labelled[] }>('/auth/login', body, { silent: true }),
  me: () => http.get<Me>('/auth/me'),
  logout: (bearer: string) => http.post('/auth/logout', {}, { silent: true, bearer }),
  password: (old_password: string, new_password: string) => http.post('/auth/password', { old_password, new_password }, { silent: true }),
  switchRole: (role: string) => http.post<Labelled>('/auth/switch-role', { role }),
}
