// Globals of the page that tbwasm's own modules set and read (type-checked by web/tsconfig.json).
// window.tbwasm is the page API (web/page/embed.mjs); window.tbwasmApp the terminal page's state
// (web/page/app.mjs), which the embeds and the Playwright fixtures (web/playwright.mjs) look at.
interface Window {
  tbwasm: typeof import("./page/embed.mjs").api;
  tbwasmApp: typeof import("./page/app.mjs").app;
}

// @playwright/test is an optional peer dependency of the package (web/playwright.mjs): its types
// come with the consumer's install, not this checkout's (web/playwright.d.ts types the API).
declare module "@playwright/test" {
  export const test: any;
  export const expect: any;
  export type Page = any;
}
