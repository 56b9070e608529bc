// @ts-check
// The guest's TCP connections in the page and in Node: streams of one Wisp relay connection
// (one WebSocket per worker or per Node process), behind a synchronous API that Python calls
// through Pyodide's FFI (py_backend/host/pyodide_bridge.py JsNetBackend; the guest's socket
// layer, py_backend/linux/net.py, sees it as its NetBackend).
//
// connect() returns a handle at once; data and state changes arrive asynchronously (WebSocket
// messages, when the worker's event loop runs: between slices and during idle waits) into
// per-stream buffers that recv()/state() read without waiting.  Every change resolves
// `nextEvent()`, which the runtime's idle wait races, so a guest waiting in recv/poll runs again
// as soon as bytes arrive instead of at the next 50 ms look.
//
// The wire protocol is Wisp v1 (packets: type u8, stream id u32 LE, payload; CONNECT 0x01
// {type u8, port u16 LE, host}, DATA 0x02, CONTINUE 0x03 {buffer u32 LE}, CLOSE 0x04 {reason u8},
// and the v2 INFO 0x05 answered with no extensions), written here because the client of
// @mercuryworkshop/wisp-js buffers sends without bound and cannot say "full"; the relay is
// wisp-js's server (web/node/relay.mjs).  The client asks for the "tbwasm-wisp" subprotocol: a relay
// that accepts it sends a CONTINUE when a stream's TCP connection is made, so a stream is
// "connecting" until then; with any other Wisp relay streams count as open once asked for (a
// refusal then shows at the first read, as a non-blocking connect's would).
//
// Flow control: a stream may have as many DATA packets in flight as the relay's last CONTINUE
// for it allowed (its buffer, in packets); send() takes what fits, at most SEND_CHUNK bytes a
// packet, and returns 0 when nothing does (the guest waits or gets EAGAIN).  The relay does not
// limit its sends to us (Wisp has no window in that direction): received data is buffered here
// until the guest reads it.

export const SUBPROTOCOL = "tbwasm-wisp";
const CONNECT = 1;
const DATA = 2;
const CONTINUE = 3;
const CLOSE = 4;
const INFO = 5;
const SEND_CHUNK = 32 * 1024;
const WS_HIGH_WATER = 4 * 1024 * 1024; // bytes queued in the WebSocket before send() says full

/** CLOSE reasons (Wisp) -> the state a stream ends in, before and after it was open. */
function closedState(reason, wasOpen) {
  if (wasOpen) {
    if (reason === 0x02) return "eof"; // voluntary: the destination closed
    if (reason === 0x43 || reason === 0x47) return "timeout";
    return "reset";
  }
  if (reason === 0x42) return "unreachable";
  if (reason === 0x43) return "timeout";
  return "refused"; // 0x44 refused, 0x48 blocked by policy, 0x49 throttled, 0x03 network error
}

/**
 * @typedef {object} Stream
 * @property {string} state
 * @property {Uint8Array[]} chunks  received, not yet read (chunks[0] from offset `off`)
 * @property {number} off
 * @property {number} buffered   bytes in chunks
 * @property {number} credit     DATA packets the relay will still take
 * @property {boolean} gotData
 * @property {string} host
 * @property {number} port
 */

export class WispNet {
  /**
   * @param {string} url  the relay's ws:// or wss:// URL (its path ends with "/")
   * @param {object} [o]
   * @param {any} [o.WebSocket]  the WebSocket class (default globalThis.WebSocket; Node 20: npm ws)
   * @param {(line: string) => void} [o.log]  one line when the relay cannot be used
   * @param {number} [o.maxStreams]  open streams at once (default 64); past it connect says EMFILE
   */
  constructor(url, o = {}) {
    this.url = url;
    this.WebSocket = o.WebSocket ?? globalThis.WebSocket;
    this.log = o.log ?? ((line) => console.warn(line));
    this.maxStreams = o.maxStreams ?? 64;
    /** @type {Map<number, Stream>} */
    this.streams = new Map();
    this.nextId = 1;
    /** @type {any} */
    this.ws = null;
    /** "idle" (no WebSocket yet), "connecting", "open", "failed" */
    this.wsState = "idle";
    this.acks = false;
    this.defaultCredit = 0;
    /** @type {Uint8Array[]} packets waiting for the WebSocket to open */
    this.pending = [];
    this.failedAt = 0;
    this.seq = 0;
    /** @type {Promise<void>|null} */
    this.event = null;
    /** @type {() => void} */
    this.resolveEvent = () => {};
    this.stats = { bytesIn: 0, bytesOut: 0, streams: 0 };
  }

  // ---- the synchronous API (Python calls these) -------------------------------------------

  /**
   * Open a TCP stream to host:port through the relay.
   * @param {string} host
   * @param {number} port
   * @returns {number|string} a handle, or an errno name ("EMFILE", "ENETUNREACH") at once
   */
  connect(host, port) {
    let live = 0;
    for (const s of this.streams.values()) if (s.state === "connecting" || s.state === "open") live++;
    if (live >= this.maxStreams) return "EMFILE";
    if (this.wsState === "failed" && Date.now() - this.failedAt < 1000) return "ENETUNREACH";
    if (this.wsState === "idle" || this.wsState === "failed") this.open();
    const id = this.nextId++;
    /** @type {Stream} */
    const s = { state: "connecting", chunks: [], off: 0, buffered: 0, credit: 0, gotData: false, host, port };
    this.streams.set(id, s);
    this.stats.streams++;
    const name = new TextEncoder().encode(host);
    const p = packet(CONNECT, id, 3 + name.length);
    p[5] = 0x01; // TCP
    p[6] = port & 0xff;
    p[7] = port >> 8;
    p.set(name, 8);
    this.write(p);
    if (this.wsState === "open" && !this.acks) this.opened(s);
    return id;
  }

  /** @param {number} h */
  state(h) {
    return this.streams.get(h)?.state ?? "closed";
  }

  /** Bytes received and not read yet. @param {number} h */
  available(h) {
    return this.streams.get(h)?.buffered ?? 0;
  }

  /**
   * Up to n bytes that are there now (empty if none).
   * @param {number} h
   * @param {number} n
   * @returns {Uint8Array}
   */
  recv(h, n) {
    const s = this.streams.get(h);
    if (!s || s.buffered === 0 || n <= 0) return new Uint8Array(0);
    const first = s.chunks[0];
    if (first.length - s.off >= n || s.chunks.length === 1) {
      // the common case: from one chunk, without copying the rest
      const take = Math.min(n, first.length - s.off);
      const out = first.subarray(s.off, s.off + take);
      s.off += take;
      if (s.off === first.length) {
        s.chunks.shift();
        s.off = 0;
      }
      s.buffered -= take;
      return out;
    }
    const out = new Uint8Array(Math.min(n, s.buffered));
    let got = 0;
    while (got < out.length) {
      const c = s.chunks[0];
      const take = Math.min(out.length - got, c.length - s.off);
      out.set(c.subarray(s.off, s.off + take), got);
      got += take;
      s.off += take;
      if (s.off === c.length) {
        s.chunks.shift();
        s.off = 0;
      }
    }
    s.buffered -= got;
    return out;
  }

  /**
   * Send what the relay can take now.
   * @param {number} h
   * @param {Uint8Array} data
   * @returns {number} bytes accepted (0: full, try later; -1: the stream is not open)
   */
  send(h, data) {
    const s = this.streams.get(h);
    if (!s || s.state !== "open") return s?.state === "connecting" ? 0 : -1;
    if (this.ws && this.ws.bufferedAmount > WS_HIGH_WATER) return 0;
    let sent = 0;
    while (sent < data.length && s.credit > 0) {
      const n = Math.min(SEND_CHUNK, data.length - sent);
      const p = packet(DATA, h, n);
      p.set(data.subarray(sent, sent + n), 5);
      this.write(p);
      s.credit--;
      sent += n;
    }
    this.stats.bytesOut += sent;
    return sent;
  }

  /** Whether send() would take something now. @param {number} h */
  writable(h) {
    const s = this.streams.get(h);
    return !!s && s.state === "open" && s.credit > 0 && !(this.ws && this.ws.bufferedAmount > WS_HIGH_WATER);
  }

  /** Wisp has no half-close: the stream stays open both ways until close(). @param {number} _h */
  shutdownWrite(_h) {}

  /** @param {number} h */
  close(h) {
    const s = this.streams.get(h);
    if (!s) return;
    if (s.state === "open" || s.state === "connecting") {
      const p = packet(CLOSE, h, 1);
      p[5] = 0x02;
      this.write(p);
    }
    this.streams.delete(h);
  }

  /** A promise resolved at the next change (data, a state, the relay's connection); every
   *  caller until then shares one. */
  nextEvent() {
    this.event ??= new Promise((r) => (this.resolveEvent = r));
    return this.event;
  }

  /**
   * The same API for one machine of several sharing this connection: the relay's one-line
   * messages go to the log of the machine that opened a stream last, and closeAll() closes the
   * streams the machine left open (a run that was stopped).
   * @param {(line: string) => void} log
   */
  view(log) {
    const mine = new Set();
    const net = this;
    return {
      /** changes so far (nextEvent resolves at the next one) */
      get seq() {
        return net.seq;
      },
      connect: (host, port) => {
        this.log = log;
        const h = this.connect(host, port);
        if (typeof h === "number") mine.add(h);
        return h;
      },
      state: (h) => this.state(h),
      available: (h) => this.available(h),
      recv: (h, n) => this.recv(h, n),
      send: (h, data) => this.send(h, data),
      writable: (h) => this.writable(h),
      shutdownWrite: (h) => this.shutdownWrite(h),
      close: (h) => {
        mine.delete(h);
        this.close(h);
      },
      nextEvent: () => this.nextEvent(),
      /** The machine is gone (ended, stopped): close what it left open. */
      closeAll: () => {
        for (const h of mine) this.close(h);
        mine.clear();
      },
    };
  }

  /** Close every stream and the WebSocket. */
  destroy() {
    for (const id of [...this.streams.keys()]) this.close(id);
    this.ws?.close();
    this.ws = null;
    this.wsState = "idle";
  }

  // ---- the relay connection ---------------------------------------------------------------

  open() {
    this.wsState = "connecting";
    this.acks = false;
    this.pending = [];
    let ws;
    try {
      ws = new this.WebSocket(this.url, [SUBPROTOCOL]);
    } catch (e) {
      this.fail(`tbwasm: network relay ${this.url}: ${e?.message ?? e}`);
      return;
    }
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      if (ws !== this.ws) return;
      this.acks = ws.protocol === SUBPROTOCOL;
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      if (!(ev.data instanceof ArrayBuffer) || ev.data.byteLength < 5) {
        this.fail(`tbwasm: network relay ${this.url} does not speak Wisp`);
        return;
      }
      this.onPacket(new Uint8Array(ev.data));
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      if (ws !== this.ws) return;
      this.fail(
        this.wsState === "open"
          ? `tbwasm: network relay ${this.url} closed the connection`
          : `tbwasm: network relay ${this.url} is unreachable`,
      );
    };
  }

  /** The relay is gone or unusable: one line, and every stream ends. @param {string} line */
  fail(line) {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = null;
      try {
        ws.close();
      } catch {
        // already closing
      }
    }
    this.wsState = "failed";
    this.failedAt = Date.now();
    this.pending = [];
    this.log(line);
    for (const s of this.streams.values()) {
      if (s.state === "open") s.state = "reset";
      else if (s.state === "connecting") s.state = "unreachable";
    }
    this.changed();
  }

  /** @param {Uint8Array} p */
  write(p) {
    if (this.wsState === "open") this.ws.send(p);
    else if (this.wsState === "connecting") this.pending.push(p);
  }

  /** @param {Stream} s */
  opened(s) {
    s.state = "open";
    s.credit = this.defaultCredit;
  }

  /** @param {Uint8Array} p */
  onPacket(p) {
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const type = p[0];
    const id = view.getUint32(1, true);
    if (this.wsState === "connecting") {
      if (id === 0 && type === INFO) {
        // a Wisp v2 relay: answer with our version and no extensions
        this.ws.send(Uint8Array.of(INFO, 0, 0, 0, 0, 2, 0));
        return;
      }
      if (id !== 0 || type !== CONTINUE || p.length < 9) {
        this.fail(`tbwasm: network relay ${this.url} does not speak Wisp`);
        return;
      }
      this.defaultCredit = view.getUint32(5, true);
      this.wsState = "open";
      for (const q of this.pending) this.ws.send(q);
      this.pending = [];
      if (!this.acks) for (const s of this.streams.values()) if (s.state === "connecting") this.opened(s);
      this.changed();
      return;
    }
    const s = this.streams.get(id);
    if (!s) return; // a stream closed here, or a second CLOSE for one
    if (type === DATA) {
      if (s.state === "connecting") this.opened(s);
      if (s.state !== "open") return;
      const data = p.subarray(5);
      s.gotData = true;
      if (data.length) {
        s.chunks.push(data);
        s.buffered += data.length;
        this.stats.bytesIn += data.length;
      }
    } else if (type === CONTINUE && p.length >= 9) {
      if (s.state === "connecting") this.opened(s);
      s.credit = view.getUint32(5, true);
    } else if (type === CLOSE) {
      if (s.state === "connecting" || s.state === "open") {
        // without acknowledgements a stream counts as connected once data came from it
        s.state = closedState(p[5], s.state === "open" && (this.acks || s.gotData));
      }
    } else return;
    this.changed();
  }

  changed() {
    this.seq++;
    if (this.event) {
      this.event = null;
      this.resolveEvent();
    }
  }
}

/** A packet of `type` for stream `id` with room for `size` payload bytes. */
function packet(type, id, size) {
  const p = new Uint8Array(5 + size);
  p[0] = type;
  new DataView(p.buffer).setUint32(1, id, true);
  return p;
}
