/**
 * Key-ordered pagination. A marker names the last key returned, so the next page starts after it
 * even if that item was deleted in between (the usual list-then-delete cleanup loop).
 */
import { InvalidRequestError } from './types.js';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 250;

export interface Page<T> {
  items: T[];
  next?: string;
}

/** Returns up to `pageSize` items whose key sorts after the marker's key. */
export function paginate<T>(items: Iterable<T>, keyOf: (item: T) => string, pageSize: number | undefined, marker: string | undefined): Page<T> {
  const size = pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidRequestError(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${String(pageSize)}`);
  }
  const after = marker === undefined ? undefined : decodeMarker(marker);
  const sorted = [...items].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  const start = after === undefined ? 0 : findFirstIndexAfter(sorted, keyOf, after);
  const pageItems = sorted.slice(start, start + size);
  const page: Page<T> = { items: pageItems };
  if (start + size < sorted.length) page.next = encodeMarker(keyOf(pageItems[pageItems.length - 1] as T));
  return page;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function findFirstIndexAfter<T>(sorted: T[], keyOf: (item: T) => string, after: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOf(sorted[mid] as T) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function encodeMarker(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');
}

function decodeMarker(marker: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
    const after = (parsed as { after?: unknown }).after;
    if (typeof after === 'string') return after;
  } catch {
    // fall through to the error below
  }
  throw new InvalidRequestError('The pagination marker is not one this registry returned');
}
