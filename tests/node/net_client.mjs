// A small Wisp client for the relay tests (tests/node/test_net_relay.py): web/runtime/net.mjs's WispNet
// over npm ws, driven by a command line, printing one JSON line per stream.
//
//   node tests/node/net_client.mjs RELAY_URL get HOST PORT [PATH]    an HTTP GET; {state, bytes, sha256, head}
//   node tests/node/net_client.mjs RELAY_URL upload HOST PORT N       N bytes to a sink; {reply, sha256, fulls}
//   node tests/node/net_client.mjs RELAY_URL hold HOST PORT N         open N streams; their states
//   node tests/node/net_client.mjs RELAY_URL read HOST PORT           read until the stream ends
//                                                                     (a line {started} at the first data:
//                                                                     the test kills the relay then)
// NET_CLIENT_MAX_STREAMS: the client's own stream limit (default 64).
import crypto from "node:crypto";
import WebSocket from "ws";
import { WispNet } from "../../web/runtime/net.mjs";

const [url, cmd, host, portText, extra] = process.argv.slice(2);
const port = Number(portText);
const lines = [];
const maxStreams = Number(process.env.NET_CLIENT_MAX_STREAMS || 64);
const net = new WispNet(url, { WebSocket, log: (line) => lines.push(line), maxStreams });
const deadline = Date.now() + 30000;

/** Wait until pred() holds (or 30 s). */
async function until(pred) {
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await Promise.race([net.nextEvent(), new Promise((r) => setTimeout(r, 200))]);
  }
}

const done = (obj) => {
  process.stdout.write(JSON.stringify({ ...obj, log: lines }) + "\n");
  net.destroy();
  process.exit(0);
};

async function drain(h, onData) {
  for (;;) {
    const d = net.recv(h, 1 << 20);
    if (d.length) {
      onData(d);
      continue;
    }
    const st = net.state(h);
    if (st !== "open" && st !== "connecting" && net.available(h) === 0) return st;
    await Promise.race([net.nextEvent(), new Promise((r) => setTimeout(r, 200))]);
  }
}

if (cmd === "get" || cmd === "read") {
  const h = net.connect(host, port);
  if (typeof h === "string") done({ state: h });
  await until(() => net.state(h) !== "connecting");
  if (net.state(h) !== "open") done({ state: net.state(h) });
  if (cmd === "get") {
    const req = new TextEncoder().encode(`GET ${extra ?? "/"} HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    let off = 0;
    while (off < req.length) {
      const n = net.send(h, req.subarray(off));
      if (n < 0) done({ state: net.state(h) });
      off += n;
      if (n === 0) await net.nextEvent();
    }
  }
  const hash = crypto.createHash("sha256");
  let bytes = 0;
  let head = "";
  const t0 = performance.now();
  let started = false;
  const state = await drain(h, (d) => {
    if (!started && cmd === "read") process.stdout.write(JSON.stringify({ started: true }) + "\n");
    started = true;
    if (head.length < 200) head += new TextDecoder().decode(d.subarray(0, 200));
    hash.update(d);
    bytes += d.length;
  });
  const seconds = (performance.now() - t0) / 1000;
  done({ state, bytes, seconds, sha256: hash.digest("hex"), head: head.slice(0, 200) });
} else if (cmd === "upload") {
  // "N\n" and N bytes to a sink server (tests/net_support.py), through send()'s flow control
  const n = Number(extra);
  const data = crypto.randomBytes(n);
  const h = net.connect(host, port);
  await until(() => net.state(h) !== "connecting");
  const body = Buffer.concat([Buffer.from(`${n}\n`), data]);
  let off = 0;
  let fulls = 0;
  while (off < body.length) {
    const got = net.send(h, body.subarray(off));
    if (got < 0) done({ state: net.state(h) });
    if (got === 0) {
      fulls++;
      await Promise.race([net.nextEvent(), new Promise((r) => setTimeout(r, 20))]);
    }
    off += Math.max(0, got);
  }
  let reply = "";
  const state = await drain(h, (d) => (reply += new TextDecoder().decode(d)));
  done({ state, reply: reply.trim(), sha256: crypto.createHash("sha256").update(data).digest("hex"), fulls });
} else if (cmd === "hold") {
  const n = Number(extra);
  const hs = [];
  for (let i = 0; i < n; i++) hs.push(net.connect(host, port));
  await until(() => hs.every((h) => typeof h === "string" || net.state(h) !== "connecting"));
  done({ states: hs.map((h) => (typeof h === "string" ? h : net.state(h))) });
} else {
  process.stderr.write(`net_client: unknown command ${cmd}\n`);
  process.exit(2);
}
