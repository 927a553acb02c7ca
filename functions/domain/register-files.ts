/**
 * The register files that need a library (see register-export.ts, which loads this module on the
 * first export): the XLSX workbook (exceljs) and the A4 landscape PDF (pdf-lib, the CJK font).
 */
import ExcelJS from 'exceljs';
import { PDFDocument, rgb, type PDFPage } from 'pdf-lib';
import { periodTitle, type RegisterSheet } from './register-export.js';
import { embedCjkFont, stampPageNumbers, TextFitter } from './slip-pdf.js';

// ---- XLSX -----------------------------------------------------------------------------------------

/** A title row (the register and period), a frozen header row, one row per entry; prints A4 landscape. */
export async function renderXlsx(sheet: RegisterSheet): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Chancery';
  workbook.title = periodTitle(sheet.name, sheet.year, sheet.month, sheet.scope);
  const ws = workbook.addWorksheet(sheet.name, {
    views: [{ state: 'frozen', ySplit: 2 }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '2:2' },
  });
  ws.columns = sheet.columns.map((c) => ({ width: c.width }));
  const title = ws.addRow([periodTitle(sheet.name, sheet.year, sheet.month, sheet.scope)]);
  ws.mergeCells(1, 1, 1, sheet.columns.length);
  title.font = { bold: true, size: 16 };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  title.height = 28;
  const header = ws.addRow(sheet.columns.map((c) => c.header));
  header.font = { bold: true };
  header.alignment = { horizontal: 'center', vertical: 'middle' };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEDEDED' } };
    cell.border = { top: { style: 'thin' }, bottom: { style: 'thin' }, left: { style: 'thin' }, right: { style: 'thin' } };
  });
  for (const row of sheet.rows) {
    // Strings as written: a 来文字号 such as 3号 or a date must not turn into a number.
    const added = ws.addRow(row);
    added.alignment = { vertical: 'top', wrapText: true };
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

// ---- PDF ------------------------------------------------------------------------------------------

// A4 landscape, in points.
const PAGE_W = 841.89;
const PAGE_H = 595.28;
const MARGIN_X = 36;
const MARGIN_TOP = 40;
const MARGIN_BOTTOM = 44;
const FONT_SIZE = 8.5;
const LINE_H = 12;
const PAD = 4;
const BLACK = rgb(0, 0, 0);
const GREY = rgb(0.35, 0.35, 0.35);
const HEADER_FILL = rgb(0.93, 0.93, 0.93);

/** A printable register: title, a table with the header repeated on every page, 第 n 页 共 m 页. */
export async function renderRegisterPdf(sheet: RegisterSheet, opts?: { fontPath?: string }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fitter = new TextFitter(await embedCjkFont(doc, opts?.fontPath));
  const title = periodTitle(sheet.name, sheet.year, sheet.month, sheet.scope);
  doc.setTitle(title);
  doc.setAuthor(sheet.branchName);
  doc.setCreator('Chancery');
  doc.setProducer('Chancery');
  doc.setLanguage('zh-CN');

  const contentW = PAGE_W - 2 * MARGIN_X;
  const totalWidth = sheet.columns.reduce((sum, c) => sum + c.width, 0);
  const widths = sheet.columns.map((c) => (c.width / totalWidth) * contentW);
  const pages: PDFPage[] = [];
  let page!: PDFPage;
  let y = 0;
  // A cell taller than a page would never fit: cut it to what a page holds.
  const maxLines = Math.floor((PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 80) / LINE_H);

  const cellLines = (value: string, width: number) => {
    const lines = fitter.wrap(value, FONT_SIZE, width - 2 * PAD);
    return lines.length <= maxLines ? lines : [...lines.slice(0, maxLines - 1), '……'];
  };
  const drawRow = (cells: string[][], fill?: typeof HEADER_FILL) => {
    const h = Math.max(1, ...cells.map((c) => c.length)) * LINE_H + 2 * PAD;
    let x = MARGIN_X;
    cells.forEach((lines, i) => {
      page.drawRectangle({ x, y: y - h, width: widths[i], height: h, borderColor: BLACK, borderWidth: 0.5, ...(fill ? { color: fill } : {}) });
      lines.forEach((line, j) => {
        if (line) page.drawText(line, { x: x + PAD, y: y - PAD - (j + 1) * LINE_H + 3, size: FONT_SIZE, font: fitter.font, color: BLACK });
      });
      x += widths[i];
    });
    y -= h;
  };
  const header = sheet.columns.map((c, i) => cellLines(c.header, widths[i]));
  const newPage = () => {
    page = doc.addPage([PAGE_W, PAGE_H]);
    pages.push(page);
    y = PAGE_H - MARGIN_TOP;
    if (pages.length === 1) {
      const ts = 18;
      page.drawText(title, { x: (PAGE_W - fitter.width(title, ts)) / 2, y: y - ts, size: ts, font: fitter.font, color: BLACK });
      y -= ts + 8;
      if (sheet.branchName) {
        page.drawText(sheet.branchName, { x: MARGIN_X, y: y - 10, size: 9, font: fitter.font, color: GREY });
      }
      const count = `共 ${sheet.rows.length} 条`;
      page.drawText(count, { x: PAGE_W - MARGIN_X - fitter.width(count, 9), y: y - 10, size: 9, font: fitter.font, color: GREY });
      y -= 18;
    } else {
      const cont = `${title}（续）`;
      page.drawText(cont, { x: MARGIN_X, y: y - 10, size: 9, font: fitter.font, color: GREY });
      y -= 18;
    }
    drawRow(header, HEADER_FILL);
  };

  newPage();
  for (const row of sheet.rows) {
    const cells = row.map((value, i) => cellLines(value, widths[i]));
    const h = Math.max(1, ...cells.map((c) => c.length)) * LINE_H + 2 * PAD;
    if (y - h < MARGIN_BOTTOM) newPage();
    drawRow(cells);
  }
  if (sheet.rows.length === 0) {
    page.drawText('（本期无登记）', { x: MARGIN_X + PAD, y: y - 16, size: 10, font: fitter.font, color: GREY });
  }
  stampPageNumbers(pages, fitter, MARGIN_BOTTOM - 26);
  return doc.save();
}

