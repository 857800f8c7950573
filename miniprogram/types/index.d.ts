// Helpers for the JSDoc types of services/*.js: the JSON of an operation's 2xx answer and of its
// request body, picked from the generated api.d.ts by path and method, e.g.
//   @returns {Promise<import('../types').Ok<'/api/v1/mp/home', 'get'>>}
// A path or method the server no longer has fails tsc (tests/integration/test_console_schema.py).
import type { paths } from './api'

type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never
type Op<P extends keyof paths, M extends keyof paths[P]> = paths[P][M]

export type Ok<P extends keyof paths, M extends keyof paths[P]> =
  Op<P, M> extends { responses: infer R }
    ? R extends { 200: infer A } ? JsonOf<A> : R extends { 201: infer B } ? JsonOf<B> : never
    : never

export type Body<P extends keyof paths, M extends keyof paths[P]> =
  Op<P, M> extends { requestBody: { content: { 'application/json': infer J } } }
    ? J
    : Op<P, M> extends { requestBody?: { content: { 'application/json': infer J } } } ? J : never

export type Schema<N extends keyof import('./api').components['schemas']> = import('./api').components['schemas'][N]
