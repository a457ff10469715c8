// Staff write Markdown; the public sees HTML rendered from it and then cleaned against an allow-list,
// so neither a pasted script nor a crafted link reaches a reader's browser.
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const marked = new Marked({ gfm: true, breaks: false, async: false });

const ALLOWED: sanitizeHtml.IOptions = {
  allowedTags: [
    'h2',
    'h3',
    'h4',
    'p',
    'br',
    'hr',
    'strong',
    'em',
    'b',
    'i',
    'u',
    's',
    'del',
    'blockquote',
    'code',
    'pre',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'abbr',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'lang'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    abbr: ['title'],
    th: ['scope'],
    '*': ['lang'],
  },
  allowedSchemes: ['https', 'http', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['https', 'http'] },
  allowProtocolRelative: false,
  // A heading level 1 is the page title; content headings start at 2.
  transformTags: { h1: 'h2' },
};

export function sanitize(html: string): string {
  return sanitizeHtml(html, ALLOWED);
}

export function renderMarkdown(markdown: string): string {
  return sanitize(marked.parse(markdown) as string);
}

/** Plain text of HTML, for feed summaries and search. */
export function plainText(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
}
