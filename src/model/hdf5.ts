/**
 * A minimal HDF5 writer: nested groups of little-endian float32 datasets, nothing else —
 * what Keras 3 keeps in `model.weights.h5` inside a `.keras` archive. Keras 3.15 reads only
 * HDF5 there (its npz store refuses the pickled dicts it would need), so the export writes
 * HDF5 itself rather than depend on a native library.
 *
 * The file uses the format's "latest" layout (HDF5 spec, format version 3): superblock v2,
 * version-2 object headers with checksums, groups as compact link messages, datasets with
 * contiguous storage. Every structure below names its section of the spec.
 */

export interface H5Dataset {
  shape: number[];
  data: Float32Array;
}
export type H5Group = Map<string, H5Group | H5Dataset>;

const UNDEF = 0xffffffffffffffffn;
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const SUPERBLOCK_BYTES = 48;

/** Bob Jenkins' lookup3 `hashlittle`, the checksum of HDF5's v2 metadata (H5checksum.c). */
export function lookup3(k: Uint8Array, initval = 0): number {
  let a = (0xdeadbeef + k.length + initval) >>> 0;
  let b = a;
  let c = a;
  const rot = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  let i = 0;
  let len = k.length;
  const word = (o: number, n: number) => {
    let v = 0;
    for (let j = n - 1; j >= 0; j--) v = (v << 8) | k[o + j];
    return v >>> 0;
  };
  while (len > 12) {
    a = (a + word(i, 4)) >>> 0;
    b = (b + word(i + 4, 4)) >>> 0;
    c = (c + word(i + 8, 4)) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 4)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 6)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 8)) >>> 0;
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a = (a ^ rot(c, 16)) >>> 0;
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b = (b ^ rot(a, 19)) >>> 0;
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c = (c ^ rot(b, 4)) >>> 0;
    b = (b + a) >>> 0;
    len -= 12;
    i += 12;
  }
  if (len === 0) return c;
  // The tail: up to 12 bytes added into a, b, c as little-endian words.
  a = (a + word(i, Math.min(len, 4))) >>> 0;
  if (len > 4) b = (b + word(i + 4, Math.min(len - 4, 4))) >>> 0;
  if (len > 8) c = (c + word(i + 8, len - 8)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0;
  a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0;
  b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0;
  c = (c - rot(b, 24)) >>> 0;
  return c;
}

/** Little-endian byte sink. */
class Bytes {
  private parts: number[] = [];
  u8(...v: number[]): this {
    this.parts.push(...v);
    return this;
  }
  u16(v: number): this {
    return this.u8(v & 0xff, (v >>> 8) & 0xff);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  u64(v: number | bigint): this {
    const b = BigInt(v);
    return this.u32(Number(b & 0xffffffffn)).u32(Number((b >> 32n) & 0xffffffffn));
  }
  ascii(s: string): this {
    for (const ch of s) this.parts.push(ch.charCodeAt(0));
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

interface Message {
  type: number;
  body: Uint8Array;
}

/** Object header, version 2 (spec IV.A.1.b): chunk size in 4 bytes, no times, checksum last. */
function objectHeader(messages: Message[]): Uint8Array {
  const chunk = messages.reduce((a, m) => a + 4 + m.body.length, 0);
  const h = new Bytes().ascii('OHDR').u8(2, 0x02).u32(chunk);
  for (const m of messages)
    h.u8(m.type)
      .u16(m.body.length)
      .u8(0)
      .u8(...m.body);
  const bytes = h.bytes();
  const out = new Uint8Array(bytes.length + 4);
  out.set(bytes);
  new DataView(out.buffer).setUint32(bytes.length, lookup3(bytes), true);
  return out;
}

const headerBytes = (bodies: number[]): number => 4 + 1 + 1 + 4 + bodies.reduce((a, b) => a + 4 + b, 0) + 4;

// Message bodies (spec IV.A.2).
const LINK_INFO = () => new Bytes().u8(0, 0).u64(UNDEF).u64(UNDEF).bytes(); // 0x0002, compact links
const GROUP_INFO = () => new Bytes().u8(0, 0).bytes(); // 0x000A
const linkBody = (name: string, address: number) => {
  if (!/^[\x20-\x7e]+$/.test(name) || name.length > 255 || name.includes('/')) {
    throw new Error(`HDF5 link name '${name}' must be 1-255 printable ASCII characters without '/'`);
  }
  return new Bytes().u8(1, 0, name.length).ascii(name).u64(address).bytes(); // 0x0006, hard link
};
const dataspace = (shape: number[]) => {
  const b = new Bytes().u8(2, shape.length, 0, 1); // v2, simple, no max dims
  for (const d of shape) b.u64(d);
  return b.bytes();
};
// IEEE 754 binary32, little-endian: class 1 v1; sign bit 31, exponent 23+8 bias 127, mantissa 0+23.
const FLOAT32 = () =>
  new Bytes().u8(0x11, 0x20, 0x1f, 0x00).u32(4).u16(0).u16(32).u8(23, 8, 0, 23).u32(127).bytes();
const FILL_VALUE = () => new Bytes().u8(3, 0x0a).bytes(); // v3: late allocation, fill if set, none set
const contiguous = (address: number, bytes: number) => new Bytes().u8(3, 1).u64(address).u64(bytes).bytes();

const isDataset = (x: H5Group | H5Dataset): x is H5Dataset => !(x instanceof Map);
const sortedEntries = (g: H5Group) => [...g.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Serialises a tree of groups and float32 datasets as one HDF5 file. */
export function writeHdf5(root: H5Group): Uint8Array {
  // Pass 1: addresses. Every object's header size depends only on its own names and shape.
  const address = new Map<H5Group | H5Dataset, number>();
  let next = SUPERBLOCK_BYTES;
  const place = (node: H5Group | H5Dataset): void => {
    address.set(node, next);
    if (isDataset(node)) {
      next += headerBytes([4 + 8 * node.shape.length, 20, 2, 18]) + node.data.byteLength;
      return;
    }
    next += headerBytes([18, 2, ...sortedEntries(node).map(([name]) => 3 + name.length + 8)]);
    for (const [, child] of sortedEntries(node)) place(child);
  };
  place(root);
  const file = new Uint8Array(next);
  // Pass 2: bytes.
  const write = (node: H5Group | H5Dataset): void => {
    const at = address.get(node)!;
    if (isDataset(node)) {
      const expected = node.shape.reduce((a, b) => a * b, 1);
      if (expected !== node.data.length) {
        throw new Error(
          `HDF5 dataset of shape [${node.shape}] needs ${expected} values, received ${node.data.length}`,
        );
      }
      const header = objectHeader([
        { type: 0x01, body: dataspace(node.shape) },
        { type: 0x03, body: FLOAT32() },
        { type: 0x05, body: FILL_VALUE() },
        {
          type: 0x08,
          body: contiguous(at + headerBytes([4 + 8 * node.shape.length, 20, 2, 18]), node.data.byteLength),
        },
      ]);
      file.set(header, at);
      const raw = new Uint8Array(node.data.byteLength);
      new Float32Array(raw.buffer).set(node.data);
      file.set(raw, at + header.length);
      return;
    }
    const entries = sortedEntries(node);
    const header = objectHeader([
      { type: 0x02, body: LINK_INFO() },
      { type: 0x0a, body: GROUP_INFO() },
      ...entries.map(([name, child]) => ({ type: 0x06, body: linkBody(name, address.get(child)!) })),
    ]);
    file.set(header, at);
    for (const [, child] of entries) write(child);
  };
  write(root);
  // Superblock version 2 (spec II.A.1).
  const sb = new Bytes()
    .u8(...SIGNATURE)
    .u8(2, 8, 8, 0)
    .u64(0)
    .u64(UNDEF)
    .u64(next)
    .u64(SUPERBLOCK_BYTES)
    .bytes();
  file.set(sb, 0);
  new DataView(file.buffer).setUint32(sb.length, lookup3(sb), true);
  return file;
}
