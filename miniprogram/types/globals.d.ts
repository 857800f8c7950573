// What the WeChat runtime provides to services/*.js, as far as tsc needs to know (no typings package).
declare const wx: any
declare function getApp(): any
declare function getCurrentPages(): any[]
