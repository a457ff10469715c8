// HTTP Range (RFC 9110) for file downloads, shared by the WebDAV and JSON adapters.

/** One byte range (multiple ranges are answered with the whole file, as HTTP allows). */
export function parseRange(
  value: string | undefined,
  size: number,
  ifRange: string | undefined,
  etag: string,
): { start: number; end: number } | null | 'unsatisfiable' {
  if (!value || (ifRange && ifRange !== etag)) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (end < start) return null;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
