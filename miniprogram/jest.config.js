/**
 * Tests of the mini-program under Node: jest + miniprogram-simulate (j-component renders the
 * real WXML into jsdom, hence testEnvironment jsdom). `npm test` runs them all.
 */
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.js'],
  setupFiles: ['<rootDir>/tests/helpers/globals.js'],
  snapshotSerializers: ['miniprogram-simulate/jest-snapshot-plugin'],
  testTimeout: 15000,
}
