// A process start that gave up, seen by the caseworker: the case page names the problem and its reason,
// "Prozessstart erneut versuchen" puts the start job back in the queue, and once a job worker has run it
// the case moves on and the warning is gone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { JobWorker } from '../../server/src/core/jobs/job-worker.js';
import { registerEgovJobs } from '../../server/src/egov/egov.module.js';
import { certificateApplication } from '../../server/src/test-support/egov-applications.js';
import { assertNoAxeViolations, browserSuite, demoService, loginThroughForm, withPage } from './support.js';

void describe('a process start that gave up, in the back office', () => {
  // No job worker in the server: the test decides when the start job runs.
  const suite = browserSuite({ JOBS_ENABLED: 'false' });

  test('the caseworker sees why the start failed, tries it again, and the case moves on', async () => {
    const { server, browser } = suite;
    const { municipality, service } = await demoService(server, 'flieden', 'personenstandsurkunde');

    // A citizen applies without an account (the API the portal uses).
    const api = async <T>(path: string, init: RequestInit): Promise<T> => {
      const res = await fetch(`${server.url}${path}`, init);
      assert.ok(res.ok, `${path}: ${res.status} ${await res.clone().text()}`);
      return (await res.json()) as T;
    };
    const draft = await api<{ case: { id: string }; resumeToken: string }>(
      `/api/egov/municipalities/${municipality.id}/cases`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ serviceId: service.id }),
      },
    );
    const citizen = { 'x-resume-token': draft.resumeToken };
    const caseId = draft.case.id;
    const file = await api<{ id: string }>(
      `/api/egov/cases/${caseId}/attachments?field=urkunde.ausweis&name=ausweis.pdf`,
      {
        method: 'POST',
        headers: { ...citizen, 'content-type': 'application/pdf' },
        body: Buffer.from('%PDF-1.4 Ausweis'),
      },
    );
    const { reference } = await api<{ reference: string }>(`/api/egov/cases/${caseId}/submit`, {
      method: 'POST',
      headers: { ...citizen, 'content-type': 'application/json' },
      body: JSON.stringify({ data: certificateApplication(file.id, 1) }),
    });

    // The start job gave up (as after five failed attempts).
    const startJob = () =>
      server.ctx.db
        .selectFrom('jobs')
        .select(['status', 'attempts'])
        .where('unique_key', '=', `egov-start:${caseId}`)
        .executeTakeFirstOrThrow();
    await server.ctx.db
      .updateTable('jobs')
      .set({ status: 'dead', attempts: 5, last_error: 'Prozess-Engine nicht erreichbar' })
      .where('unique_key', '=', `egov-start:${caseId}`)
      .execute();

    await withPage(browser, async (page) => {
      // The login page returns to the back office's case list (?next=), where the case is listed.
      await page.goto(`${server.url}/anmelden?next=/verwaltung/vorgaenge`);
      await loginThroughForm(page, 'sachbearbeitung@kalbach.example');
      await page
        .getByRole('row')
        .filter({ hasText: reference })
        .getByRole('link', { name: reference })
        .click();

      const warning = page.getByText('Der Prozess konnte nicht gestartet werden');
      await warning.waitFor();
      await page.getByText(/Prozess-Engine nicht erreichbar/).waitFor();
      await assertNoAxeViolations(page, 'the case page with a failed process start');

      await page.getByRole('button', { name: 'Prozessstart erneut versuchen' }).click();
      await page.getByRole('status').filter({ hasText: 'Der Start wird erneut versucht.' }).waitFor();
      assert.deepEqual(await startJob(), { status: 'pending', attempts: 0 });

      // A job worker (as every instance runs one) starts the process; the page notices by itself.
      const worker = new JobWorker({ queue: server.ctx.jobs, logger: pino({ level: 'silent' }) });
      registerEgovJobs(worker, server.ctx.jobs, server.ctx.egov);
      worker.start();
      try {
        await page.getByTestId('status').filter({ hasNotText: 'Eingegangen' }).waitFor({ timeout: 60_000 });
        assert.equal(await warning.count(), 0);
        assert.equal((await startJob()).status, 'done');
      } finally {
        await worker.stop();
      }
    });
  });
});
