// @ts-check
// Guest stdin across threads: the page (writer) fills a SharedArrayBuffer ring, the worker
// (reader) blocks in Atomics.wait while the guest sits in read(). Needs crossOriginIsolated.
//
// Int32 header: [0] bytes written (total), [1] bytes read (total), [2] pending EOFs (Ctrl-D),
// [3] sequence number bumped by every event the reader may be waiting for (data, EOF, stop).
const W = 0,
  R = 1,
  EOFS = 2,
  SEQ = 3;
const HEADER_BYTES = 16;

export function createStdinBuffer(capacity = 1 << 16) {
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

export class StdinRing {
  constructor(sab) {
    this.sab = sab;
    this.hdr = new Int32Array(sab, 0, 4);
    this.data = new Uint8Array(sab, HEADER_BYTES);
    this.cap = this.data.length;
  }

  // ---- writer side (page) ----
  /** Append bytes; returns how many fit (the rest is dropped: the guest is not reading). */
  push(bytes) {
    const w = Atomics.load(this.hdr, W);
    const r = Atomics.load(this.hdr, R);
    const n = Math.min(bytes.length, this.cap - (w - r));
    for (let i = 0; i < n; i++) this.data[(w + i) % this.cap] = bytes[i];
    Atomics.store(this.hdr, W, w + n);
    this.wake();
    return n;
  }

  pushEOF() {
    Atomics.add(this.hdr, EOFS, 1);
    this.wake();
  }

  /** The input has ended (a pipe): every read from now on is EOF. */
  endInput() {
    Atomics.store(this.hdr, EOFS, 0x3fffffff);
    this.wake();
  }

  wake() {
    Atomics.add(this.hdr, SEQ, 1);
    Atomics.notify(this.hdr, SEQ);
  }

  /** Forget input typed before this run (only while no reader is active). */
  reset() {
    Atomics.store(this.hdr, R, Atomics.load(this.hdr, W));
    Atomics.store(this.hdr, EOFS, 0);
  }

  // ---- reader side (worker) ----
  /**
   * Up to n bytes that arrive within timeoutMs (Infinity: no limit), null for EOF (also when
   * stopped), undefined when the time ran out (the guest's terminal polls its input this way
   * while every guest process waits).
   * @param {() => boolean} stopped
   * @param {() => void} [beforeWait] called once before blocking (e.g. flush output)
   */
  poll(n, timeoutMs, stopped, beforeWait) {
    const end = performance.now() + timeoutMs;
    let waited = false;
    for (;;) {
      const seq = Atomics.load(this.hdr, SEQ);
      const w = Atomics.load(this.hdr, W);
      const r = Atomics.load(this.hdr, R);
      if (w > r) {
        const k = Math.min(n, w - r);
        const out = new Uint8Array(k);
        for (let i = 0; i < k; i++) out[i] = this.data[(r + i) % this.cap];
        Atomics.store(this.hdr, R, r + k);
        return out;
      }
      if (Atomics.load(this.hdr, EOFS) > 0) {
        Atomics.sub(this.hdr, EOFS, 1);
        return null;
      }
      if (stopped()) return null;
      const left = end - performance.now();
      if (left <= 0) return undefined;
      if (!waited && beforeWait) beforeWait();
      waited = true;
      Atomics.wait(this.hdr, SEQ, seq, Math.min(left, 250));
    }
  }

  /** Block until input, EOF or stop: up to n bytes, or null for EOF (also when stopped). */
  read(n, stopped, beforeWait) {
    return this.poll(n, Infinity, stopped, beforeWait);
  }
}
