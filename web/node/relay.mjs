#!/usr/bin/env node
// @ts-check
// The Wisp relay of the page and of Node: the maintained server of npm @mercuryworkshop/wisp-js
// (its ServerConnection speaks the protocol: CONNECT/DATA/CONTINUE/CLOSE, stream ids, flow
// control), with tbwasm's destination policy in front of every TCP connection it makes.
//
//   node web/node/relay.mjs [--host 127.0.0.1] [--port 0] [--path /wisp/] [--allow HOST[:PORT]]...
//                      [--max-streams N] [--allow-origin ORIGIN]... [--log LEVEL] [--with-parent]
//
// --with-parent: exit when stdin ends (serve.py and web/node/cli.mjs start it with a pipe there, so
// the relay goes away with them however they end).
// The first line on stdout is `Relay ws://HOST:PORT/PATH` (--port 0 picks a free port), so
// serve.py and the tests can start it and read where it listens.
//
// Policy (the relay enforces it: the page that talks to it may be hostile):
// - a destination is resolved here, and the address actually connected to is checked: loopback,
//   unspecified, private (RFC 1918, fc00::/7, CGNAT), link-local, multicast, broadcast and
//   reserved addresses (also written as IPv4-mapped IPv6) are refused unless an --allow entry
//   names the host (as the guest wrote it, or the address) and, if it gives one, the port;
// - at most --max-streams (default 64) open TCP streams per WebSocket (per page); no UDP;
// - a browser's WebSocket (it always sends Origin) is refused (403) unless --allow-origin names
//   its page's origin (https://site.example, or * for any): otherwise any page the user visits
//   could use the relay, and reach what --allow opens; clients that send no Origin (Node, and
//   serve.py, which checks the origin itself and passes the request on without it) are served;
// - only the Wisp path is served (wisp-js's other, one-stream-per-socket wsproxy protocol is not).
// A refused destination gets CLOSE 0x48 (host blocked) and nothing is sent to it; a failed
// connect CLOSE 0x44 (refused), 0x42 (unreachable) or 0x43 (no response within 20 s).
//
// One extension of ours, within the protocol: when the TCP connection is made the relay sends a
// CONTINUE for the stream (Wisp itself acknowledges no CONNECT), so that a client can tell
// "connected" from "still connecting" (a guest's blocking connect() returns at that moment).
// A client asks for it with the WebSocket subprotocol "tbwasm-wisp" (which also selects Wisp v1).
import http from "node:http";
import net from "node:net";
import dns from "node:dns/promises";
import { pathToFileURL } from "node:url";
import { WebSocketServer } from "ws";
import ipaddr from "ipaddr.js";
import { server as wisp, logging, packet } from "@mercuryworkshop/wisp-js/server";

export const SUBPROTOCOL = "tbwasm-wisp";
export const DEFAULT_MAX_STREAMS = 64;
const CONNECT_TIMEOUT_MS = 20000;
const { WispPacket, ContinuePayload, ClosePayload, close_reasons: REASON } = packet;
const BLOCKED_RANGES = new Set([
  "unspecified",
  "loopback",
  "private",
  "uniqueLocal",
  "linkLocal",
  "multicast",
  "broadcast",
  "carrierGradeNat",
  "reserved",
]);

/**
 * Parse one --allow / --net-allow entry: HOST, HOST:PORT, [V6]:PORT, a bare IPv6 address, or a
 * network ADDRESS/BITS (with :PORT, or [V6/BITS]:PORT); HOST is a name or an address.
 * @param {string} spec
 * @returns {{host: string, port: number|null, cidr: any}}
 */
export function parseAllow(spec) {
  const s = String(spec).trim();
  let host = s;
  let port = null;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1];
    port = v6[2] === undefined ? null : Number(v6[2]);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const i = s.indexOf(":");
    host = s.slice(0, i);
    if (!/^\d+$/.test(s.slice(i + 1))) throw new Error(`--net-allow ${s}: the port must be a number`);
    port = Number(s.slice(i + 1));
  }
  if (port !== null && !(port >= 1 && port <= 65535)) throw new Error(`--net-allow ${s}: port out of range`);
  if (host.includes("/")) {
    // a network: 10.0.0.0/8, fd00::/8
    let cidr;
    try {
      cidr = ipaddr.parseCIDR(host);
    } catch {
      throw new Error(`--net-allow ${s}: not a network (ADDRESS/BITS)`);
    }
    return { host, port, cidr };
  }
  if (!host || /\s/.test(host)) throw new Error(`--net-allow ${s}: expected HOST[:PORT]`);
  if (host.includes(":") && !ipaddr.isValid(host)) throw new Error(`--net-allow ${s}: not an IPv6 address`);
  return { host: normalHost(host), port, cidr: null };
}

/** @param {string} host */
function normalHost(host) {
  const h = host.toLowerCase().replace(/\.$/, "");
  return ipaddr.isValid(h) ? unmapped(ipaddr.parse(h)).toString() : h;
}

/** An IPv4-mapped IPv6 address as the IPv4 address it is. @param {any} ip */
function unmapped(ip) {
  return ip.kind() === "ipv6" && ip.isIPv4MappedAddress() ? ip.toIPv4Address() : ip;
}

/**
 * Whether an address is one the relay refuses without an allow entry.
 * @param {string} address
 */
export function isBlockedAddress(address) {
  if (!ipaddr.isValid(address)) return true;
  return BLOCKED_RANGES.has(unmapped(ipaddr.parse(address)).range());
}

/**
 * The policy: may the relay connect to `address` (resolved from `name`) on `port`?
 * @param {{host: string, port: number|null, cidr: any}[]} allow
 * @param {string} name  the destination as the client named it
 * @param {string} address  the address it resolved to
 * @param {number} port
 */
export function allowed(allow, name, address, port) {
  const n = normalHost(name);
  const a = normalHost(address);
  const ip = ipaddr.isValid(a) ? ipaddr.parse(a) : null;
  const listed = allow.some(
    (e) =>
      (e.port === null || e.port === port) &&
      (e.cidr ? ip !== null && ip.kind() === e.cidr[0].kind() && ip.match(e.cidr) : e.host === n || e.host === a),
  );
  return listed || !isBlockedAddress(a);
}

/**
 * Start a relay.
 * @param {object} [o]
 * @param {string} [o.host]   listen address (default 127.0.0.1)
 * @param {number} [o.port]   0 (default) picks a free port
 * @param {string} [o.path]   the Wisp path (default "/wisp/"; must end with "/")
 * @param {string[]} [o.allow]  HOST[:PORT] entries (see parseAllow)
 * @param {number} [o.maxStreams]  open streams per WebSocket (default 64)
 * @param {string[]} [o.allowOrigins]  page origins whose WebSockets are served ("*": any)
 * @param {string} [o.log]  wisp-js's log level: DEBUG, INFO, WARN, ERROR, NONE (default NONE)
 * @param {http.Server} [o.server]  an HTTP server to attach to instead of a new one
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>, stats: {streams: number, refused: number}}>}
 */
export async function startRelay(o = {}) {
  const allow = (o.allow ?? []).map(parseAllow);
  const maxStreams = o.maxStreams ?? DEFAULT_MAX_STREAMS;
  const wispPath = o.path ?? "/wisp/";
  const level = String(o.log ?? "NONE").toUpperCase();
  if (!(level in logging) || typeof logging[level] !== "number") throw new Error(`relay: bad log level ${o.log}`);
  logging.set_level(logging[level]);
  // wisp-js's own filter runs first: streams per connection (it counts the new stream itself),
  // no UDP; its loopback/private test only when no allow entry could need it relaxed (ours, at
  // connect time on the address connected to, is the authoritative one).
  Object.assign(wisp.options, {
    stream_limit_total: maxStreams + 1,
    allow_udp_streams: false,
    allow_loopback_ips: allow.length > 0,
    allow_private_ips: allow.length > 0,
    parse_real_ip: false,
  });
  const stats = { streams: 0, refused: 0 };

  class Connection extends wisp.ServerConnection {
    /** @param {any} ws @param {string} path @param {object} opts */
    constructor(ws, path, opts) {
      super(ws, path, { ...opts, TCPSocket: makeSocketClass(() => this) });
    }
  }

  /** A TCP socket with the interface wisp-js's ServerStream uses (connect, recv, send, close,
   *  pause, resume), that applies the policy and acknowledges the connect. */
  function makeSocketClass(getConn) {
    return class PolicySocket {
      /** @param {string} hostname @param {number} port */
      constructor(hostname, port) {
        this.hostname = hostname;
        this.port = port;
        /** @type {net.Socket|null} */
        this.socket = null;
        /** @type {Buffer[]} */
        this.queue = [];
        /** @type {((v: Buffer|null) => void)|null} */
        this.waiter = null;
        this.ended = false;
        this.paused = false;
      }

      streamId() {
        const conn = getConn();
        for (const [id, s] of Object.entries(conn.streams)) if (s.socket === this) return Number(id);
        return null;
      }

      /** @param {number} type @param {any} payload */
      sendPacket(type, payload) {
        const id = this.streamId();
        if (id === null) return;
        getConn().ws.send(new WispPacket({ type, stream_id: id, payload }));
      }

      /** @param {number} reason @param {string} why */
      fail(reason, why) {
        this.sendPacket(ClosePayload.type, new ClosePayload({ reason }));
        throw new Error(why);
      }

      async connect() {
        let address = this.hostname;
        if (!net.isIP(address)) {
          try {
            address = (await dns.lookup(this.hostname)).address;
          } catch {
            this.fail(REASON.UnreachableHost, `cannot resolve ${this.hostname}`);
          }
        }
        if (!allowed(allow, this.hostname, address, this.port)) {
          stats.refused++;
          this.fail(REASON.HostBlocked, `${this.hostname}:${this.port} (${address}) refused by the relay's policy`);
        }
        const sock = new net.Socket();
        this.socket = sock;
        const err = await new Promise((resolve) => {
          const timer = setTimeout(() => resolve({ code: "ETIMEDOUT" }), CONNECT_TIMEOUT_MS);
          sock.once("connect", () => {
            clearTimeout(timer);
            resolve(null);
          });
          sock.once("error", (e) => {
            clearTimeout(timer);
            resolve(e);
          });
          sock.connect({ host: address, port: this.port });
        });
        if (err) {
          sock.destroy();
          this.socket = null;
          const reason =
            err.code === "ECONNREFUSED"
              ? REASON.ConnRefused
              : err.code === "ETIMEDOUT"
                ? REASON.NoResponse
                : REASON.UnreachableHost;
          this.fail(reason, `connect to ${this.hostname}:${this.port}: ${err.code ?? err}`);
        }
        stats.streams++;
        sock.setNoDelay(true);
        sock.on("data", (/** @type {Buffer} */ d) => this.push(d)); // (no encoding set: Buffers)
        sock.on("end", () => this.push(null));
        sock.on("close", () => this.push(null));
        sock.on("error", () => {}); // followed by "close"
        if (getConn().ws.ws.protocol === SUBPROTOCOL) {
          this.sendPacket(
            ContinuePayload.type,
            new ContinuePayload({ buffer_remaining: wisp.ServerStream.buffer_size }),
          );
        }
      }

      /** @param {Buffer|null} d */
      push(d) {
        if (this.ended) return;
        if (d === null) this.ended = true;
        else this.queue.push(d);
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = null;
          w(this.queue.length ? /** @type {Buffer} */ (this.queue.shift()) : null);
        }
      }

      /** @returns {Promise<Buffer|null>} null at the end */
      recv() {
        if (this.queue.length) return Promise.resolve(/** @type {Buffer} */ (this.queue.shift()));
        if (this.ended) return Promise.resolve(null);
        return new Promise((r) => (this.waiter = r));
      }

      /** @param {Uint8Array} data */
      send(data) {
        const sock = this.socket;
        if (!sock || sock.destroyed) return Promise.resolve();
        return new Promise((r) => sock.write(data, () => r(undefined)));
      }

      async close() {
        const sock = this.socket;
        this.socket = null;
        if (sock && !sock.destroyed) sock.end();
        this.push(null);
      }

      pause() {
        if (this.queue.length >= 64 && this.socket) {
          this.socket.pause();
          this.paused = true;
        }
      }

      resume() {
        if (this.paused && this.socket) this.socket.resume();
        this.paused = false;
      }
    };
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1 << 20,
    // ours selects Wisp v1 with connect acknowledgements; "wisp-v2" (wisp-js's own clients) v2
    handleProtocols: (protocols) =>
      protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : protocols.has("wisp-v2") ? "wisp-v2" : false,
  });
  const server = o.server ?? http.createServer((_req, res) => res.writeHead(404).end("not a Wisp path\n"));
  const allowOrigins = o.allowOrigins ?? [];
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://relay/").pathname;
    if (path !== wispPath) {
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowOrigins.includes("*") && !allowOrigins.includes(origin)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, async (ws) => {
      ws.binaryType = "arraybuffer";
      const version = ws.protocol === "wisp-v2" ? 2 : 1;
      try {
        // (wisp-js's .d.ts leaves out setup() and run(), which its documentation uses)
        const conn = /** @type {Connection & {setup(): Promise<void>, run(): Promise<void>}} */ (
          new Connection(ws, path, { wisp_version: version })
        );
        await conn.setup();
        await conn.run();
      } catch {
        ws.close();
      }
    });
  });
  if (!o.server) {
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port ?? 0, o.host ?? "127.0.0.1", () => resolve(undefined));
    });
  }
  const addr = /** @type {import("node:net").AddressInfo} */ (server.address());
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `ws://${host}:${addr.port}${wispPath}`,
    port: addr.port,
    stats,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        if (o.server) resolve();
        else {
          server.closeAllConnections?.();
          server.close(() => resolve());
        }
      }),
  };
}

async function main() {
  const argv = process.argv.slice(2);
  let withParent = false;
  const o = {
    allow: /** @type {string[]} */ ([]),
    allowOrigins: /** @type {string[]} */ ([]),
    host: "127.0.0.1",
    port: 0,
    log: "NONE",
  };
  const usage = (msg) => {
    process.stderr.write(`tbwasm-relay: ${msg}\n`);
    process.stderr.write(
      "usage: node web/node/relay.mjs [--host H] [--port N] [--path /wisp/] [--allow HOST[:PORT]]... [--max-streams N] [--allow-origin ORIGIN]... [--log LEVEL] [--with-parent]\n",
    );
    process.exit(2);
  };
  while (argv.length) {
    const a = /** @type {string} */ (argv.shift());
    const value = () => (argv.length ? /** @type {string} */ (argv.shift()) : usage(`${a} needs a value`));
    if (a === "--host") o.host = value();
    else if (a === "--port") o.port = Number(value());
    else if (a === "--path") o.path = value();
    else if (a === "--allow" || a === "--net-allow") o.allow.push(value());
    else if (a === "--max-streams") o.maxStreams = Number(value());
    else if (a === "--allow-origin") o.allowOrigins.push(value());
    else if (a === "--with-parent") withParent = true;
    else if (a === "--log") o.log = value();
    else usage(`unknown option ${a}`);
  }
  if (!(o.port >= 0 && o.port <= 65535)) usage("bad --port");
  if (o.maxStreams !== undefined && !(o.maxStreams >= 1)) usage("--max-streams wants a positive number");
  if (o.path !== undefined && !/^\/.*\/$/.test(o.path)) usage("--path must start and end with /");
  let relay;
  try {
    relay = await startRelay(o);
  } catch (e) {
    process.stderr.write(`tbwasm-relay: ${e?.message ?? e}\n`);
    process.exit(2);
  }
  process.stdout.write(`Relay ${relay.url}\n`);
  const stop = () => relay.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (withParent) {
    process.stdin.on("end", stop);
    process.stdin.on("error", stop);
    process.stdin.resume();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
