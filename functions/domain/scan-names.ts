/**
 * What a scan's file name says when nothing else does: its urgency (【特急】/【加急】) and its title.
 */
import type { Urgency } from './route-platform.js';

/** Reads urgency from the scan's name: 【特急】/【加急】 (or 特急/加急 anywhere in the name). */
export function urgencyFromName(fileName: string): Urgency {
  if (fileName.includes('特急')) return '特急';
  if (fileName.includes('加急')) return '加急';
  return '平件';
}

/** Title from the scan's file name: no folder, no extension, no urgency marker. */
export function titleFromName(fileName: string): string {
  const base = fileName.split('/').pop() ?? fileName;
  const title = base
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[【\[]\s*(特急|加急)\s*[】\]]/g, '')
    .trim();
  return title || base;
}
