// Staff write in the rich-text editor (HTML) or, for older posts, Markdown; the public sees HTML cleaned
// against an allow-list, so neither a pasted script nor a crafted link reaches a reader's browser.
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

/** The only images an editor post may show: those uploaded to our file storage (posts.routes.ts). */
const OWN_IMAGE_URL =
  /^\/api\/public\/participation\/images\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface EditorHtml {
  html: string;
  /** Images left out: not from our storage, or without alternative text. */
  rejectedImages: { src: string; reason: 'foreign' | 'no_alt' }[];
}

/**
 * Cleans HTML from the rich-text editor: the same allow-list as Markdown, and images only from our own
 * storage and only with an alternative text (WCAG 1.1.1); the caller decides what a rejected image means.
 */
export function sanitizeEditorHtml(html: string): EditorHtml {
  const rejectedImages: EditorHtml['rejectedImages'] = [];
  const clean = sanitizeHtml(html, {
    ...ALLOWED,
    exclusiveFilter: (frame) => {
      if (frame.tag !== 'img') return false;
      const src = frame.attribs.src ?? '';
      if (!OWN_IMAGE_URL.test(src)) rejectedImages.push({ src, reason: 'foreign' });
      else if (!frame.attribs.alt?.trim()) rejectedImages.push({ src, reason: 'no_alt' });
      else return false;
      return true;
    },
  });
  return { html: clean, rejectedImages };
}

export function renderMarkdown(markdown: string): string {
  return sanitize(marked.parse(markdown) as string);
}

/** Plain text of HTML, for feed summaries and search. */
export function plainText(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
}
