// Shared set-up for the browser tests: the real server (with the demo region) serving the built web app,
// Debian's Chromium driven by playwright-core, and axe-core for WCAG checks.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { Area } from '@srp/contracts';

import { startMailbox, type Mailbox } from '../../server/src/test-support/mailbox.js';
import { startTestServer, type TestServer } from '../../server/src/test-support/server.js';

export type { TestServer };

const WEB_DIST_INDEX = path.resolve(import.meta.dirname, '../dist/index.html');

/**
 * The real server on a free port, with a fresh database seeded with the demo regions, serving dist/.
 * `env` adds settings, e.g. an SMTP server or a single sign-on provider.
 */
export function startServer(env?: Record<string, string>): Promise<TestServer> {
  assert.ok(
    fs.existsSync(WEB_DIST_INDEX),
    `the web app is not built (${WEB_DIST_INDEX} is missing): run "npm run build -w @srp/web" first`,
  );
  return startTestServer({ seedDemo: true, ...(env ? { env } : {}) });
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these Chromium keeps trying to reach Google services, which this closed network refuses.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `extraArgs` adds Chromium switches, e.g. fake media devices for the meeting tests. */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

export interface BrowserSuite {
  /** The started platform; available inside tests (set in `before`). */
  readonly server: TestServer;
  readonly browser: Browser;
}

/**
 * Starts one platform and one Chromium for the enclosing `describe` (or the file) and stops both after it.
 * `env` (or a function returning it, run in `before`) adds server settings; `browserArgs` adds Chromium
 * switches (fake media devices for the meeting tests).
 */
export function browserSuite(
  env?: Record<string, string> | (() => Promise<Record<string, string>> | Record<string, string>),
  browserArgs: readonly string[] = [],
): BrowserSuite {
  const suite = {} as { server: TestServer; browser: Browser };
  before(async () => {
    suite.server = await startServer(typeof env === 'function' ? await env() : env);
    suite.browser = await launchBrowser(browserArgs);
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server?.close();
  });
  return suite;
}

/** A municipality of the demo region and one of the region's seeded online services, by their slugs. */
export async function demoService(server: TestServer, municipalitySlug: string, serviceSlug: string) {
  const db = server.ctx.db;
  const municipality = await db
    .selectFrom('municipalities')
    .select(['id', 'region_id'])
    .where('slug', '=', municipalitySlug)
    .executeTakeFirstOrThrow();
  const service = await db
    .selectFrom('egov_services')
    .select('id')
    .where('region_id', '=', municipality.region_id)
    .where('slug', '=', serviceSlug)
    .executeTakeFirstOrThrow();
  return { municipality, service };
}

/** browserSuite() with a local SMTP server the platform sends its mail to. */
export function mailBrowserSuite(): BrowserSuite & { readonly mailbox: Mailbox } {
  const suite = {} as { server: TestServer; browser: Browser; mailbox: Mailbox };
  before(async () => {
    suite.mailbox = await startMailbox();
    suite.server = await startServer({ SMTP_URL: suite.mailbox.url });
    suite.browser = await launchBrowser();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server?.close();
    await suite.mailbox?.close();
  });
  return suite;
}

/** The path and query of the link to `path` in a mail (the mail's host is the configured PUBLIC_URL). */
export function tokenLinkIn(text: string, path: string): string {
  const match = new RegExp(`https?://\\S+${path}\\?token=[A-Za-z0-9_%-]+`).exec(text);
  assert.ok(match, `the mail contains the link to ${path}:\n${text}`);
  const url = new URL(match[0]);
  return `${url.pathname}${url.search}`;
}

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 360, height: 740 };

/**
 * Runs `use` on a page in a fresh browser context (no cookies or stored language leak between tests),
 * then fails if the page threw a script error along the way, even when `use` itself passed.
 */
export async function withPage(
  browser: Browser,
  use: (page: Page, context: BrowserContext) => Promise<void>,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<void> {
  const context = await browser.newContext({ viewport, locale: 'de-DE', reducedMotion: 'reduce' });
  const pageErrors: string[] = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    await use(page, context);
  } finally {
    await context.close();
  }
  assert.deepEqual(pageErrors, [], 'the page threw script errors');
}

/**
 * After an in-app navigation: waits for the new page's h1 and for the focus to land on it. A heading that
 * never receives the focus fails the test (by the wait's limit), which is the behaviour under test.
 */
export async function headingFocusedAfterNavigation(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  await page.waitForFunction(
    (expected) => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === expected,
    name,
  );
}

/** Waits for the focus to land on `locator` (focus moves in an effect, just after the render). */
export async function focusLandsOn(locator: Locator): Promise<void> {
  const element = await locator.elementHandle();
  await locator.page().waitForFunction((target) => target === document.activeElement, element);
}

/** Waits until the page has replaced every loading indicator with content. */
export async function settled(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor();
  await page.waitForFunction(() => document.querySelector('.srp-loading') === null);
}

export const DEMO_PASSWORD = 'Suedkreis-Demo-2026';

export const DEMO_USERS: readonly { email: string; role: string; areas: readonly Area[] }[] = [
  {
    email: 'plattform@suedkreis.example',
    role: 'platform_admin',
    areas: ['dashboard', 'services', 'backoffice', 'clubcloud'],
  },
  {
    email: 'admin@flieden.example',
    role: 'municipal_admin',
    areas: ['dashboard', 'services', 'backoffice', 'clubcloud'],
  },
  {
    email: 'prozesse@suedkreis.example',
    role: 'process_designer',
    areas: ['dashboard', 'services', 'backoffice'],
  },
  {
    email: 'sachbearbeitung@kalbach.example',
    role: 'caseworker',
    areas: ['dashboard', 'services', 'backoffice'],
  },
  { email: 'bauhof@neuhof.example', role: 'building_yard', areas: ['dashboard', 'services', 'backoffice'] },
  {
    email: 'vorstand@tsv-flieden.example',
    role: 'club_admin',
    areas: ['dashboard', 'services', 'clubcloud'],
  },
  {
    email: 'mitglied@tsv-flieden.example',
    role: 'club_member',
    areas: ['dashboard', 'services', 'clubcloud'],
  },
  { email: 'buerger@example.org', role: 'citizen', areas: ['dashboard', 'services'] },
];

const AREA_BY_PATH: Record<string, Area> = {
  '/dashboard': 'dashboard',
  '/buergerservice': 'services',
  '/verwaltung': 'backoffice',
  '/vereinscloud': 'clubcloud',
};

/** The areas linked in the main navigation, in the order shown. */
export async function navigationAreas(page: Page): Promise<string[]> {
  const hrefs = await page
    .getByRole('navigation', { name: 'Hauptnavigation' })
    .getByRole('link')
    .evaluateAll((links) => links.map((link) => new URL((link as HTMLAnchorElement).href).pathname));
  return hrefs.map((href) => AREA_BY_PATH[href] ?? `unexpected link ${href}`);
}

/** Logs in through the German login form, as a person would. */
export async function loginThroughForm(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.getByLabel('E-Mail-Adresse').fill(email);
  await page.getByLabel('Passwort', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
}

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface Violation {
  id: string;
  impact?: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; html: string; failureSummary?: string }[];
}

function describeViolations(violations: readonly Violation[]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes
        .map(
          (node) =>
            `    - ${JSON.stringify(node.target)}\n      ${node.html}\n      ${node.failureSummary ?? ''}`,
        )
        .join('\n');
      return `  [${violation.impact ?? 'n/a'}] ${violation.id}: ${violation.help}\n  ${violation.helpUrl}\n${nodes}`;
    })
    .join('\n\n');
}

/** Runs axe-core with the WCAG 2.1 A/AA rules and fails with a readable list of what it found. */
export async function assertNoAxeViolations(page: Page, what: string): Promise<void> {
  // Evaluated through the DevTools protocol rather than added as a <script>: the server's Content Security
  // Policy (rightly) blocks inline scripts, and the tests should see the page under that same policy.
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async (tags) => {
    const runner = (window as unknown as { axe: typeof axe }).axe;
    const result = await runner.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })),
    }));
  }, WCAG_21_AA);
  assert.equal(
    violations.length,
    0,
    `${what}: ${violations.length} WCAG 2.1 AA violation(s):\n${describeViolations(violations)}`,
  );
}

/** Where screenshots go: under the OS temp dir, so a person (or an agent) can look at them. */
export function screenshotPath(name: string): string {
  const dir = path.join(os.tmpdir(), 'srp-web-screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
