// A tiny XML writer for the feeds and Open311: elements from plain values, every text escaped.

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .split('')
    .filter(isXmlChar)
    .join('');
}

/** XML 1.0 allows tab, newline and carriage return, but no other control characters. */
function isXmlChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return code >= 0x20 ? code !== 0xfffe && code !== 0xffff : code === 0x09 || code === 0x0a || code === 0x0d;
}

export type XmlValue = string | number | boolean | null | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  name: string;
  attributes?: Record<string, string>;
  children?: XmlValue;
}

export const el = (name: string, children?: XmlValue, attributes?: Record<string, string>): XmlNode => ({
  name,
  children,
  ...(attributes ? { attributes } : {}),
});

function render(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object') {
    const attrs = Object.entries(value.attributes ?? {})
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    const inner = render(value.children);
    return inner === '' ? `<${value.name}${attrs}/>` : `<${value.name}${attrs}>${inner}</${value.name}>`;
  }
  return escapeXml(String(value));
}

export function xmlDocument(root: XmlNode): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${render(root)}\n`;
}

/** Plain objects to elements (for Open311): keys become element names, arrays repeat `itemName`. */
export function objectToXml(name: string, value: unknown, itemName?: string): XmlNode {
  if (Array.isArray(value))
    return el(
      name,
      value.map((v) => objectToXml(itemName ?? 'item', v)),
    );
  if (value !== null && typeof value === 'object')
    return el(
      name,
      Object.entries(value).map(([k, v]) => objectToXml(k, v, Array.isArray(v) ? singular(k) : undefined)),
    );
  return el(
    name,
    value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value),
  );
}

const singular = (plural: string) =>
  plural === 'values' ? 'value' : plural === 'attributes' ? 'attribute' : plural.replace(/s$/, '');
