// Screen sharing in a real meeting: two Chromium peers with fake devices meet; the host shares the screen
// (Chromium's fake capture, a 16:9 picture, stands in for the chooser) and the other peer really receives
// it on the same video track: the decoded frames turn from the 4:3 camera to 16:9 and keep coming, the
// tile says so; stopping the share brings the camera back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { meetingOf, MEDIA_ARGS } from './meetings-support.js';
import { assertNoAxeViolations, browserSuite } from './support.js';

const suite = browserSuite(undefined, MEDIA_ARGS);

interface Received {
  width: number;
  height: number;
  frames: number;
}

/** What the page decodes from the other peer: frame size and count of the remote video (inbound-rtp). */
function received(page: Page): Promise<Received> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs.find((p) => p.connectionState === 'connected');
    const result = { width: 0, height: 0, frames: 0 };
    if (!pc) return result;
    (await pc.getStats()).forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        result.width = Number(s.frameWidth ?? 0);
        result.height = Number(s.frameHeight ?? 0);
        result.frames = Number(s.framesDecoded ?? 0);
      }
    });
    return result;
  });
}

/** Waits until the received picture has the aspect ratio and keeps decoding new frames. */
async function waitForPicture(page: Page, ratio: number, what: string): Promise<Received> {
  const deadline = Date.now() + 90_000;
  let last: Received = { width: 0, height: 0, frames: 0 };
  while (Date.now() < deadline) {
    const now = await received(page);
    const matches = now.height > 0 && Math.abs(now.width / now.height - ratio) < 0.05;
    if (
      matches &&
      last.height > 0 &&
      Math.abs(last.width / last.height - ratio) < 0.05 &&
      now.frames > last.frames
    )
      return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(`${what}: still ${last.width}×${last.height} after 90 s`);
}

describe('screen sharing in the browser', () => {
  test('the other peer receives the shared screen, and the camera again after stopping', async () => {
    const { contexts, roomId } = await meetingOf(suite, 2, false);
    const errors: string[] = [];
    try {
      const pages: Page[] = [];
      for (const context of contexts) {
        const page = await context.newPage();
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(`${suite.server.url}/treffen/${roomId}`);
        await page.getByRole('button', { name: 'Treffen beitreten' }).click();
        await page.getByRole('toolbar', { name: 'Steuerung' }).waitFor();
        pages.push(page);
      }
      const [host, member] = pages as [Page, Page];
      // The camera first: 160×120 (4:3, see instrument()).
      const camera = await waitForPicture(member, 4 / 3, 'camera');
      assert.equal(camera.width, 160);

      await host.getByRole('button', { name: 'Bildschirm teilen' }).click();
      await host.getByRole('button', { name: 'Teilen beenden' }).waitFor();
      await member
        .locator('figcaption', { hasText: 'Vorstand' })
        .getByText(/teilt den Bildschirm/)
        .waitFor();
      // The fake screen is 1280×720; the encoder may scale it down under load, but it stays 16:9.
      const screen = await waitForPicture(member, 16 / 9, 'screen');
      assert.ok(screen.width > camera.width, `the screen arrives larger (${screen.width}×${screen.height})`);
      const tile = await member
        .locator('li.srp-meeting__tile', { hasText: 'Vorstand' })
        .locator('video')
        .evaluate((v: HTMLVideoElement) => ({
          ratio: v.videoWidth / Math.max(v.videoHeight, 1),
          live: (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.readyState,
        }));
      assert.equal(tile.live, 'live');
      assert.ok(Math.abs(tile.ratio - 16 / 9) < 0.05, `the tile shows the screen (ratio ${tile.ratio})`);
      await assertNoAxeViolations(host, 'meeting page while sharing the screen');

      await host.getByRole('button', { name: 'Teilen beenden' }).click();
      await host.getByRole('button', { name: 'Bildschirm teilen' }).waitFor();
      const back = await waitForPicture(member, 4 / 3, 'camera after sharing');
      assert.equal(back.width, 160);
      assert.equal(
        await member
          .locator('figcaption', { hasText: 'Vorstand' })
          .getByText(/teilt den Bildschirm/)
          .count(),
        0,
      );
      for (const page of pages) await page.getByRole('button', { name: 'Verlassen' }).click();
    } finally {
      for (const context of contexts) await context.close();
    }
    assert.deepEqual(errors, [], 'the pages threw script errors');
  });
});
