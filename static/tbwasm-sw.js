// tbwasm's service worker: makes a site cross-origin isolated on a static host that cannot send
// the headers for it (GitHub Pages, Read the Docs, `python3 -m http.server`).  The page needs
// SharedArrayBuffer and Atomics.wait (its worker blocks on guest input and sleeps), which a
// browser gives only to a cross-origin isolated page.  This worker re-serves every response of
// its scope with
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: credentialless  (require-corp with ?coep=require-corp)
//   Cross-Origin-Resource-Policy: cross-origin
// web/page/client.mjs registers it (scope: the directory it is in) and reloads the page once; after
// that every visit is isolated from its first request.  `credentialless` lets a page that embeds
// tbwasm demos keep loading cross-origin images and scripts (without cookies).
/* eslint-env serviceworker */
const COEP = new URL(self.location.href).searchParams.get("coep") === "require-corp" ? "require-corp" : "credentialless";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  if (event.data?.type === "tbwasm-sw-unregister") {
    self.registration.unregister().then(() => event.source?.postMessage({ type: "tbwasm-sw-unregistered" }));
  }
});

/** @param {Response} response */
function isolated(response) {
  if (response.status === 0) return response; // opaque (cross-origin no-cors) or a redirect
  const headers = new Headers(response.headers);
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  headers.set("Cross-Origin-Embedder-Policy", COEP);
  headers.set("Cross-Origin-Resource-Policy", "cross-origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // a devtools quirk: only-if-cached is allowed for same-origin requests only
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  if (request.method !== "GET" && request.method !== "HEAD") return;
  event.respondWith(
    fetch(request).then(isolated, (e) => new Response(`tbwasm service worker: ${e}`, { status: 502, statusText: "Bad Gateway" })),
  );
});
