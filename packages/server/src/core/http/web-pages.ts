// index.html as the server sends it for the single-page app's routes. Two things are added to the built
// file so that a phone on a slow network sees content without waiting for a chain of requests:
// - the public region list as inline JSON (every page's header and start page need it; the app then
//   does not ask /api/public/regions again);
// - for routes that register a first screen (the public dashboards): the header, the heading and the
//   lead paragraph as plain HTML in #root, which React replaces on start, plus modulepreload links for
//   the route's code chunk, and the stylesheet inline instead of linked;
// - on every page, modulepreload links for the app's start-up steps (the entry's dynamic imports outside
//   src/pages/: React DOM, the texts, the app), which main.tsx evaluates one task after the other.
// Every page is built once per path and kept for a few seconds, already compressed, with a strong ETag.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import {
  FIRST_SCREEN_DE,
  navigationFor,
  platformNameFor,
  type Area,
  type PublicRegion,
} from '@srp/contracts';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** What a route shows before its code arrives: the content of <main>, the title, its code chunks. */
export interface FirstScreen {
  title: string;
  /** HTML for inside <main>; every text in it is escaped by the renderer. */
  main: string;
  /** Source paths of the chunks to preload, as keys of Vite's manifest (e.g. src/pages/…/X.tsx). */
  chunks: string[];
  /** The navigation link shown as the current page. */
  area?: Area;
}

export type FirstScreenRenderer = (pathname: string, regions: readonly PublicRegion[]) => FirstScreen | null;

export interface WebPage {
  etag: string;
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
}

interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  isEntry?: boolean;
}

/** The entry's dynamic imports that are start-up steps (route chunks live in src/pages/ and are not). */
function startupChunks(manifest: Record<string, ManifestChunk>): string[] {
  const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
  return (entry?.dynamicImports ?? []).filter((key) => !key.startsWith('src/pages/'));
}

const AREA_PATHS: Record<Area, string> = {
  dashboard: '/dashboard',
  services: '/buergerservice',
  backoffice: '/verwaltung',
  clubcloud: '/vereinscloud',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the surrounding <script> element early. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function platformTitle(regions: readonly PublicRegion[]): string {
  return platformNameFor(regions, FIRST_SCREEN_DE.platformName);
}

/**
 * The same markup as the app's Layout and Header render for an anonymous visitor (no layout shift), in
 * German from the texts the app's German locale uses too; the app switches to the visitor's language.
 */
function shell(regions: readonly PublicRegion[], screen: FirstScreen): string {
  const nav = navigationFor([])
    .map((area) => {
      const current = area === screen.area;
      return `<li><a href="${AREA_PATHS[area]}" class="srp-nav__link${current ? ' active' : ''}"${current ? ' aria-current="page"' : ''}>${escapeHtml(FIRST_SCREEN_DE.areaNames[area])}</a></li>`;
    })
    .join('');
  return (
    `<a href="#main" class="srp-skip-link kern-btn kern-btn--primary"><span class="kern-label">${escapeHtml(FIRST_SCREEN_DE.skipLink)}</span></a>` +
    `<header class="srp-header"><div class="kern-container srp-header__bar">` +
    `<a href="/" class="srp-brand">${escapeHtml(platformTitle(regions))}</a>` +
    `<button type="button" class="kern-btn kern-btn--secondary srp-menu-button" aria-expanded="false">` +
    `<span class="kern-icon kern-icon--dehaze" aria-hidden="true"></span><span class="kern-label">${escapeHtml(FIRST_SCREEN_DE.menu)}</span></button>` +
    `<div class="srp-menu"><nav aria-label="${escapeHtml(FIRST_SCREEN_DE.mainNavigation)}" class="srp-nav"><ul>${nav}</ul></nav>` +
    `<div class="srp-tools"><button type="button" class="kern-btn kern-btn--tertiary" lang="en">` +
    `<span class="kern-icon kern-icon--language" aria-hidden="true"></span><span class="kern-label">${escapeHtml(FIRST_SCREEN_DE.switchLanguage)}</span></button>` +
    `<a href="/anmelden" class="kern-btn kern-btn--primary"><span class="kern-label">${escapeHtml(FIRST_SCREEN_DE.login)}</span></a></div></div>` +
    `</div></header>` +
    `<main id="main" tabindex="-1" class="kern-container srp-main">${screen.main}</main>`
  );
}

/** The one stylesheet the built index.html links (Vite puts the entry's CSS there), if it can be inlined. */
function readStylesheet(root: string, template: string): { link: string; css: string } | null {
  const links = [...template.matchAll(/<link rel="stylesheet"[^>]* href="\/(assets\/[^"]+\.css)">/g)];
  if (links.length !== 1) return null;
  const [link, file] = links[0]!;
  const full = path.join(root, file!);
  if (!fs.existsSync(full)) return null;
  const css = fs.readFileSync(full, 'utf8');
  // Text that would end the <style> element early cannot be inlined (no valid CSS needs it).
  return /<\/style/i.test(css) ? null : { link, css };
}

export class WebPages {
  readonly #template: string | null;
  readonly #manifest: Record<string, ManifestChunk>;
  /** The built page's stylesheet link and the stylesheet itself, to inline into first screens. */
  readonly #stylesheet: { link: string; css: string } | null;
  readonly #cache = new Map<string, { expires: number; page: Promise<WebPage> }>();

  constructor(
    root: string,
    private readonly regions: () => Promise<PublicRegion[]>,
    private readonly screens: readonly FirstScreenRenderer[],
    private readonly ttlMs = 5_000,
  ) {
    const index = path.join(root, 'index.html');
    this.#template = fs.existsSync(index) ? fs.readFileSync(index, 'utf8') : null;
    this.#stylesheet = this.#template === null ? null : readStylesheet(root, this.#template);
    const manifest = path.join(root, '.vite', 'manifest.json');
    this.#manifest = fs.existsSync(manifest)
      ? (JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, ManifestChunk>)
      : {};
  }

  /** The page for this path, or null when there is no index.html to build it from. */
  page(pathname: string): Promise<WebPage> | null {
    if (this.#template === null) return null;
    const now = Date.now();
    const cached = this.#cache.get(pathname);
    if (cached && cached.expires > now) return cached.page;
    // Drop outdated entries now and then, so unknown paths do not pile up.
    if (this.#cache.size > 1_000)
      for (const [key, entry] of this.#cache) if (entry.expires <= now) this.#cache.delete(key);
    const page = this.#build(pathname, this.#template);
    this.#cache.set(pathname, { expires: now + this.ttlMs, page });
    page.catch(() => this.#cache.delete(pathname));
    return page;
  }

  async #build(pathname: string, template: string): Promise<WebPage> {
    const regions = await this.regions();
    let screen: FirstScreen | null = null;
    for (const render of this.screens) screen ??= render(pathname, regions);
    let head = `<script id="srp-regions" type="application/json">${inlineJson({ regions })}</script>`;
    let html = template;
    head = this.#preloads([...startupChunks(this.#manifest), ...(screen?.chunks ?? [])]) + head;
    if (screen) {
      html = html
        .replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(screen.title)}</title>`)
        .replace('<div id="root"></div>', `<div id="root">${shell(regions, screen)}</div>`);
      // The first screen paints with the page alone: no request for the stylesheet on the critical path
      // (on a phone's slow network that request costs a round trip before anything shows).
      if (this.#stylesheet)
        html = html.replace(this.#stylesheet.link, () => `<style>${this.#stylesheet!.css}</style>`);
    }
    html = html.replace('</head>', `${head}</head>`);
    const identity = Buffer.from(html);
    const [br, gz] = await Promise.all([
      brotliAsync(identity, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9 } }),
      gzipAsync(identity, { level: 9 }),
    ]);
    const etag = `"${createHash('sha1').update(identity).digest('base64url')}"`;
    return { etag, identity, br, gzip: gz };
  }

  /**
   * modulepreload for the chunks and everything they import (but what the page loads anyway). Their
   * stylesheets are left to the chunk's loader: a stylesheet link here would hold back the first paint.
   * Low priority: the server-drawn first screen needs none of them, so on a slow line the page's fonts
   * come first (Lighthouse's first paint on a throttled phone: 2.4 s with the default priority, 1.2 s).
   */
  #preloads(chunks: readonly string[]): string {
    const files = new Set<string>();
    const visited = new Set<string>();
    const visit = (key: string) => {
      const chunk = this.#manifest[key];
      if (!chunk || chunk.isEntry || visited.has(key)) return;
      visited.add(key);
      // Chunks the entry imports are preloaded by the built index.html already.
      if (!this.#template?.includes(`/${chunk.file}"`)) files.add(chunk.file);
      for (const imported of chunk.imports ?? []) visit(imported);
    };
    chunks.forEach(visit);
    return [...files]
      .map((f) => `<link rel="modulepreload" crossorigin fetchpriority="low" href="/${escapeHtml(f)}">`)
      .join('');
  }
}
