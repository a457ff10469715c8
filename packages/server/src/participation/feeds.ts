// RSS 2.0 and Atom 1.0 feeds of published news. Both carry absolute links to the web app's news pages;
// Atom also carries the sanitised HTML body.
import { plainText } from './markdown.js';
import type { PostRow } from './posts.repository.js';
import { el, xmlDocument } from './xml.js';

export interface FeedInfo {
  title: string;
  description: string;
  /** Absolute URL of the news page in the web app. */
  pageUrl: string;
  /** Absolute URL of this feed. */
  selfUrl: string;
  postUrl: (post: PostRow) => string;
}

const published = (post: PostRow) => post.publish_at ?? post.created_at;

export function rssFeed(info: FeedInfo, posts: PostRow[]): string {
  const newest = posts[0];
  return xmlDocument(
    el(
      'rss',
      el('channel', [
        el('title', info.title),
        el('link', info.pageUrl),
        el('description', info.description),
        el('language', 'de'),
        el('atom:link', undefined, { href: info.selfUrl, rel: 'self', type: 'application/rss+xml' }),
        newest ? el('lastBuildDate', published(newest).toUTCString()) : null,
        posts.map((post) =>
          el('item', [
            el('title', post.title),
            el('link', info.postUrl(post)),
            el('guid', info.postUrl(post), { isPermaLink: 'true' }),
            el('pubDate', published(post).toUTCString()),
            post.fields_of_action.map((f) => el('category', f)),
            el('description', post.summary || plainText(post.body_html).slice(0, 500)),
          ]),
        ),
      ]),
      { version: '2.0', 'xmlns:atom': 'http://www.w3.org/2005/Atom' },
    ),
  );
}

export function atomFeed(info: FeedInfo, posts: PostRow[]): string {
  const updated = posts.reduce((max, p) => (p.updated_at > max ? p.updated_at : max), new Date(0));
  return xmlDocument(
    el(
      'feed',
      [
        el('title', info.title),
        el('subtitle', info.description),
        el('id', info.selfUrl),
        el('updated', (posts.length ? updated : new Date()).toISOString()),
        el('link', undefined, { rel: 'self', type: 'application/atom+xml', href: info.selfUrl }),
        el('link', undefined, { rel: 'alternate', type: 'text/html', href: info.pageUrl }),
        el('author', el('name', info.title)),
        posts.map((post) =>
          el('entry', [
            el('title', post.title),
            el('id', info.postUrl(post)),
            el('link', undefined, { rel: 'alternate', type: 'text/html', href: info.postUrl(post) }),
            el('published', published(post).toISOString()),
            el('updated', post.updated_at.toISOString()),
            post.fields_of_action.map((f) => el('category', undefined, { term: f })),
            post.summary ? el('summary', post.summary) : null,
            el('content', post.body_html, { type: 'html' }),
          ]),
        ),
      ],
      { xmlns: 'http://www.w3.org/2005/Atom', 'xml:lang': 'de' },
    ),
  );
}
