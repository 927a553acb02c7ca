// wawoff2 ships no types; its decompress entry turns WOFF2 bytes into the TrueType/OpenType file.
declare module 'wawoff2/decompress.js' {
  export default function decompress(woff2: Uint8Array): Promise<Uint8Array>;
}
