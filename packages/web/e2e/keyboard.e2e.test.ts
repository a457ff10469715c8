// The shell works with the keyboard alone: skip link, login form, small-screen menu, focus after navigation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  headingFocusedAfterNavigation,
  navigationAreas,
  PHONE,
  settled,
  browserSuite,
  withPage,
} from './support.js';

/** What has the focus, described so that failures are readable. */
function focused(page: Page): Promise<{ tag: string; id: string; text: string; label: string | null }> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return {
      tag: element?.tagName ?? '',
      id: element?.id ?? '',
      text: element?.innerText?.trim() ?? '',
      label: element?.getAttribute('aria-label') ?? null,
    };
  });
}

/** Presses Tab until `matches` holds; a bounded number of presses, never a time limit. */
async function tabUntil(
  page: Page,
  matches: (f: Awaited<ReturnType<typeof focused>>) => boolean,
): Promise<void> {
  const seen: string[] = [];
  for (let presses = 0; presses < 40; presses++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (matches(now)) return;
    seen.push(`${now.tag}#${now.id} "${now.text}"`);
  }
  assert.fail(`the expected element never got the focus; focus went through:\n${seen.join('\n')}`);
}

void describe('keyboard', () => {
  const suite = browserSuite();

  void test('the first Tab reaches a visible skip link, which moves the focus to the main content', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(suite.server.url);
      await settled(page);
      await page.keyboard.press('Tab');
      const skipLink = await focused(page);
      assert.equal(skipLink.text, 'Zum Inhalt springen');
      // Measured in the page while the link has the focus. A layout still moving on a busy machine (a late
      // style, a scroll) gets a moment to settle, but the focused link must end up on screen.
      const onScreen = await page
        .waitForFunction(
          () => {
            const link = document.activeElement;
            const box = link?.getBoundingClientRect();
            return Boolean(
              link?.classList.contains('srp-skip-link') && box && box.top >= 0 && box.height > 0,
            );
          },
          undefined,
          { timeout: 5_000 },
        )
        .then(
          () => true,
          () => false,
        );
      const where = await page.evaluate(() => {
        const box = document.activeElement?.getBoundingClientRect();
        return `${document.activeElement?.className ?? 'nothing'} at top ${box?.top}, height ${box?.height}, scrollY ${window.scrollY}`;
      });
      assert.ok(onScreen, `the focused skip link is on screen (focused: ${where})`);

      await page.keyboard.press('Enter');
      assert.equal((await focused(page)).id, 'main');
      // The next Tab continues inside the main content, not in the header.
      await page.keyboard.press('Tab');
      const next = await page.evaluate(() =>
        document.getElementById('main')?.contains(document.activeElement),
      );
      assert.equal(next, true);
    });
  });

  void test('log in with the keyboard alone: Tab to the form, type, submit with Enter', async () => {
    await withPage(suite.browser, async (page) => {
      await page.goto(suite.server.url);
      await settled(page);
      await tabUntil(page, (f) => f.tag === 'A' && f.text === 'Anmelden');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/anmelden');
      await headingFocusedAfterNavigation(page, 'Anmelden');

      await tabUntil(page, (f) => f.id === 'login-email');
      await page.keyboard.type('mitglied@tsv-flieden.example');
      await page.keyboard.press('Tab');
      assert.equal((await focused(page)).id, 'login-password');
      await page.keyboard.type('Suedkreis-Demo-2026');
      await page.keyboard.press('Enter');

      await page.getByRole('button', { name: 'Abmelden' }).waitFor();
      assert.deepEqual(await navigationAreas(page), ['dashboard', 'services', 'clubcloud']);
    });
  });

  void test('on a phone the menu opens with Enter and closes with Escape, returning the focus', async () => {
    await withPage(
      suite.browser,
      async (page) => {
        await page.goto(suite.server.url);
        await settled(page);
        const menuButton = page.getByRole('button', { name: 'Menü' });
        const navigation = page.getByRole('navigation', { name: 'Hauptnavigation' });
        assert.equal(await navigation.isVisible(), false, 'the menu starts closed on small screens');

        await tabUntil(page, (f) => f.tag === 'BUTTON' && f.text === 'Menü');
        await page.keyboard.press('Enter');
        assert.equal(await menuButton.getAttribute('aria-expanded'), 'true');
        await navigation.waitFor({ state: 'visible' });

        await page.keyboard.press('Tab');
        assert.equal((await focused(page)).text, 'Dashboard');
        await page.keyboard.press('Escape');
        assert.equal(await menuButton.getAttribute('aria-expanded'), 'false');
        await navigation.waitFor({ state: 'hidden' });
        assert.equal((await focused(page)).text, 'Menü');

        // Following a link from the menu closes it too.
        await page.keyboard.press('Enter');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await page.waitForURL((url) => url.pathname === '/dashboard');
        await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
        assert.equal(await menuButton.getAttribute('aria-expanded'), 'false');
        assert.equal(await navigation.isVisible(), false);
      },
      PHONE,
    );
  });
});
