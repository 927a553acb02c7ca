/**
 * pdf.js, loaded only when a scan is shown (ScanViewer imports this module dynamically): the
 * console's first page stays small. The worker is bundled by Vite, and the CMaps, standard fonts,
 * decoders and ICC profiles come from /pdfjs/ (copied there by web/vite.config.ts).
 */
import { getDocument, GlobalWorkerOptions, RenderingCancelledException, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

export { RenderingCancelledException, type PDFDocumentProxy };

export function openPdf(data: Uint8Array): Promise<PDFDocumentProxy> {
  return getDocument({
    data,
    cMapUrl: '/pdfjs/cmaps/',
    cMapPacked: true,
    standardFontDataUrl: '/pdfjs/standard_fonts/',
    wasmUrl: '/pdfjs/wasm/',
    iccUrl: '/pdfjs/iccs/',
    // The console's CSP forbids eval; pdf.js would otherwise probe for it and log a violation.
    isEvalSupported: false,
  }).promise;
}
