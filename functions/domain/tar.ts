/**
 * A POSIX ustar archive, written and read in memory: the archive package is one such file, so it
 * is stored (and locked) in one request, and `tar -xf` gives back its files. Plain regular files
 * with ASCII names under 100 bytes, which is all the package holds.
 */
const BLOCK = 512;

export interface TarFile {
  name: string;
  bytes: Uint8Array;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtime: Date): Uint8Array {
  if (!/^[\x21-\x7e]{1,99}$/.test(name)) throw new RangeError(`tar: unsupported file name ${JSON.stringify(name)}`);
  const h = new Uint8Array(BLOCK);
  const put = (offset: number, text: string) => h.set(new TextEncoder().encode(text), offset);
  put(0, name);
  put(100, octal(0o444, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(Math.floor(mtime.getTime() / 1000), 12));
  put(148, ' '.repeat(8));
  put(156, '0');
  put(257, 'ustar\u000000');
  const sum = h.reduce((s, b) => s + b, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** The files as one ustar archive, in the order given, each stamped `mtime`. */
export function tarOf(files: TarFile[], mtime: Date): Uint8Array {
  const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;
  const out = new Uint8Array(files.reduce((s, f) => s + BLOCK + padded(f.bytes.length), 0) + 2 * BLOCK);
  let at = 0;
  for (const f of files) {
    out.set(header(f.name, f.bytes.length, mtime), at);
    out.set(f.bytes, at + BLOCK);
    at += BLOCK + padded(f.bytes.length);
  }
  return out;
}

/** The regular files of a ustar archive written by tarOf (or by `tar` with such names). */
export function untar(archive: Uint8Array): TarFile[] {
  const files: TarFile[] = [];
  const text = (from: number, length: number) => new TextDecoder().decode(archive.subarray(from, from + length)).replace(/\0.*$/s, '');
  for (let at = 0; at + BLOCK <= archive.length; ) {
    const block = archive.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) break;
    const stored = parseInt(text(at + 148, 8).trim(), 8);
    const sum = block.reduce((s, b, i) => s + (i >= 148 && i < 156 ? 0x20 : b), 0);
    if (stored !== sum) throw new Error(`tar: bad header checksum at byte ${at}`);
    const size = parseInt(text(at + 124, 12).trim(), 8);
    const type = text(at + 156, 1);
    if (type === '0' || type === '') files.push({ name: text(at, 100), bytes: archive.slice(at + BLOCK, at + BLOCK + size) });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
