// The part of jsdom the client tests use: a window whose XMLHttpRequest sends real requests.
declare module 'jsdom' {
  export class JSDOM {
    constructor(html: string, options: { url: string });
    readonly window: { XMLHttpRequest: unknown; close(): void };
  }
}
