/**
 * Globals a mini-program expects before any of its files load (jest setupFiles).
 * `wx` itself is faked per test (tests/helpers/wx.js); miniprogram-simulate adds its own mocks.
 */
global.getApp = global.getApp || (() => ({ globalData: {} }))
global.getCurrentPages = global.getCurrentPages || (() => [])
