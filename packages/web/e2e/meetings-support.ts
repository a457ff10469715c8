// Shared by the meeting browser tests: fake media devices, a local coturn, instrumented peer connections
// and the measurement that media really flow between every pair of peers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ClubsRepository } from '../../server/src/cloud/clubs.repository.js';
import { createTestClub } from '../../server/src/test-support/cloud.js';
import { createTestUser, TEST_PASSWORD } from '../../server/src/test-support/factories.js';
import { assertNoAxeViolations, type BrowserSuite } from './support.js';

export const MEDIA_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface Turn {
  port: number;
  close(): void;
}

/** coturn in the foreground on a free port, with the REST API shared secret and loopback relays. */
export async function startTurn(secret: string): Promise<Turn> {
  const port = await freePort();
  const turnDir = fs.mkdtempSync(path.join(os.tmpdir(), 'srp-turn-'));
  const minPort = 40_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(
    'turnserver',
    [
      '-n',
      `--listening-port=${port}`,
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--min-port=${minPort}`,
      `--max-port=${minPort + 200}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=srp.test',
      '--allow-loopback-peers',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${path.join(turnDir, 'turnserver.pid')}`,
      `--db=${path.join(turnDir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`turnserver did not start:\n${log}`)), 30_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`turnserver exited (${code}):\n${log}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Total General servers')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    port,
    close: () => {
      child.kill();
      fs.rmSync(turnDir, { recursive: true, force: true });
    },
  };
}

interface ConnectionStats {
  state: string;
  audio: number;
  video: number;
  local: string | null;
  remote: string | null;
}

/**
 * Runs before the page's own scripts: remembers every RTCPeerConnection (to read its stats), keeps the
 * fake camera small (the machine is shared), and with `relay` forces iceTransportPolicy 'relay'. A string,
 * so that no compiler helper ends up in code that runs in the browser.
 */
export const instrument = (relay: boolean) => `(() => {
  window.__pcs = [];
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(config) {
      super(${relay} ? { ...config, iceTransportPolicy: 'relay' } : config);
      window.__pcs.push(this);
    }
  };
  const devices = navigator.mediaDevices;
  const original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = (c) =>
    original({ audio: c.audio || false, video: c.video ? { width: 160, height: 120, frameRate: 10 } : false });
})();`;

function readStats(page: Page): Promise<ConnectionStats[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const result: ConnectionStats[] = [];
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      report.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
      const entry: ConnectionStats = {
        state: pc.connectionState,
        audio: 0,
        video: 0,
        local: null,
        remote: null,
      };
      for (const s of byId.values()) {
        if (s.type === 'inbound-rtp') entry[s.kind as 'audio' | 'video'] += Number(s.bytesReceived ?? 0);
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = byId.get(s.selectedCandidatePairId as string);
          entry.local = (byId.get(pair?.localCandidateId as string)?.candidateType as string) ?? null;
          entry.remote = (byId.get(pair?.remoteCandidateId as string)?.candidateType as string) ?? null;
        }
      }
      result.push(entry);
    }
    return result;
  });
}

/** A club with `count` members (the first its admin) and an open room; every member in a logged-in context. */
export async function meetingOf({ server, browser }: BrowserSuite, count: number, relay: boolean) {
  const { club, admin } = await createTestClub(server.ctx);
  const clubs = new ClubsRepository(server.ctx.db);
  const users = [admin];
  for (let i = 1; i < count; i++) {
    const user = await createTestUser(server.ctx.db);
    await clubs.addMember(club.id, user.id, 'member');
    users.push(user);
  }
  for (const [i, user] of users.entries()) {
    const name = i === 0 ? 'Vorstand' : `Mitglied ${i}`;
    await server.ctx.db.updateTable('users').set({ display_name: name }).where('id', '=', user.id).execute();
  }
  const contexts: BrowserContext[] = [];
  let roomId = '';
  for (const user of users) {
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1000, height: 800 } });
    await context.addInitScript({ content: instrument(relay) });
    const login = await context.request.post(`${server.url}/api/auth/login`, {
      data: { email: user.email, password: TEST_PASSWORD },
    });
    assert.equal(login.status(), 200);
    if (!roomId) {
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const created = await context.request.post(`${server.url}/api/clubs/${club.id}/meetings`, {
        data: { name: relay ? 'Über TURN' : 'Direkt' },
        headers: { 'x-csrf-token': csrfToken },
      });
      assert.equal(created.status(), 201, await created.text());
      roomId = ((await created.json()) as { id: string }).id;
    }
    contexts.push(context);
  }
  return { contexts, roomId };
}

export async function meetAndMeasure(suite: BrowserSuite, count: number, relay: boolean): Promise<void> {
  const { server } = suite;
  const { contexts, roomId } = await meetingOf(suite, count, relay);
  const errors: string[] = [];
  try {
    const pages: Page[] = [];
    for (const context of contexts) {
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${server.url}/treffen/${roomId}`);
      await page.getByRole('button', { name: 'Treffen beitreten' }).click();
      await page.getByRole('toolbar', { name: 'Steuerung' }).waitFor();
      pages.push(page);
    }
    // Every peer has a connected RTCPeerConnection to each of the others.
    for (const page of pages) {
      await page.waitForFunction(
        (expected) =>
          (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter(
            (pc) => pc.connectionState === 'connected',
          ).length === expected,
        count - 1,
        { timeout: 60_000, polling: 500 },
      );
      await page.getByRole('heading', { name: `Teilnehmende (${count} von 6)` }).waitFor();
    }
    const first = await Promise.all(pages.map(readStats));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const second = await Promise.all(pages.map(readStats));
    for (const [p, connections] of second.entries()) {
      assert.equal(connections.length, count - 1, `peer ${p} has one connection per other peer`);
      for (const [c, now] of connections.entries()) {
        const before = first[p]![c]!;
        const where = `peer ${p}, connection ${c}`;
        assert.ok(now.audio > before.audio, `${where}: audio bytes grow (${before.audio} → ${now.audio})`);
        assert.ok(now.video > before.video, `${where}: video bytes grow (${before.video} → ${now.video})`);
        if (relay) {
          assert.equal(now.local, 'relay', `${where}: the local candidate is a TURN relay`);
          assert.equal(now.remote, 'relay', `${where}: the remote candidate is a TURN relay`);
        } else {
          assert.notEqual(now.local, 'relay', `${where}: direct, not relayed`);
        }
      }
    }
    if (count === 2) {
      // Tiles are named, controls say what they do, and muting shows on the other side.
      const [host, guest] = pages as [Page, Page];
      await guest.getByText('Mitglied 1 (Sie)').waitFor();
      await guest.getByRole('button', { name: 'Mikrofon ausschalten' }).click();
      await guest.getByRole('button', { name: 'Mikrofon einschalten' }).waitFor();
      await host
        .locator('figcaption', { hasText: 'Mitglied 1' })
        .getByText(/Mikrofon aus/)
        .waitFor();
      await assertNoAxeViolations(host, 'meeting page of the host');
      await host.getByRole('button', { name: 'Entfernen: Mitglied 1' }).click();
      await guest.getByText('Sie wurden aus dem Treffen entfernt.').waitFor();
    }
    for (const page of pages) {
      const leave = page.getByRole('button', { name: 'Verlassen' });
      if (await leave.isVisible()) await leave.click();
    }
  } finally {
    for (const context of contexts) await context.close();
  }
  assert.deepEqual(errors, [], 'the pages threw script errors');
}
