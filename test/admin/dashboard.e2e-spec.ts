import { INestApplication } from '@nestjs/common';
import { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { launchBrowser } from '../support/browser';
import { startAdminApp, TOKEN } from '../support/admin-app';

describe('the dashboard in a real browser', () => {
  let browser: Browser;
  let app: INestApplication;
  let url: string;
  let page: Page;

  const post = (body: object) =>
    request(app.getHttpServer())
      .post('/status')
      .set('Authorization', `Bearer ${TOKEN}`)
      .send(body)
      .expect(201);

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });
  beforeEach(async () => {
    ({ app, url } = await startAdminApp());
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  });
  afterEach(async () => {
    await page.close();
    await app.close();
  });

  async function openWithToken(): Promise<void> {
    const response = await page.goto(`${url}/status/dashboard`);
    expect(response?.status()).toBe(401);
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#connection.live');
  }

  it('asks for the token, then shows entries posted over HTTP live, in a lane per agent, coloured by status', async () => {
    await post({
      agent_id: 'exec',
      action: 'search_google',
      status: 'ok',
      detail: 'Found 7 results',
    });
    await openWithToken();
    await page.waitForSelector('[data-agent="exec"] .entry.ok');
    await post({
      agent_id: 'system',
      action: 'task_completed',
      status: 'completed',
      detail: 'Done in 48s',
    });
    await post({
      agent_id: 'exec',
      action: 'click_result',
      status: 'failed',
      detail: 'No such link',
    });
    const completed = page.locator('section[data-agent="system"] .entry.completed');
    await completed.waitFor();
    expect(await completed.locator('.detail').textContent()).toBe('Done in 48s');
    expect(await page.locator('section[data-agent="exec"] .entry').count()).toBe(2);
    // The strip at the top shows what every agent is doing now.
    await page.waitForSelector('#now .agent-now.failed[data-agent="exec"]');
    expect(
      await page.locator('#now .agent-now[data-agent="system"]').getAttribute('class'),
    ).toContain('completed');
    const failedColour = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('section[data-agent="exec"] .entry.failed')).borderLeftColor`,
    );
    expect(failedColour).toBe('rgb(207, 34, 46)');
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/status-dashboard.png` });
  });

  it('shows voice receipts beside the entries they answer', async () => {
    const task = await post({
      agent_id: 'exec',
      action: 'search',
      status: 'info',
      detail: 'Found 7',
    });
    const seq = (task.body as { seq: number }).seq;
    await openWithToken();
    await post({
      agent_id: 'voice',
      action: 'voice_delivery',
      status: 'info',
      detail: 'injected: search → s1',
      metadata: { receipt_for: seq, outcome: 'injected', session_id: 's1' },
    });
    const receipt = page.locator(`.entry[data-seq="${seq}"] .receipt.injected`);
    await receipt.waitFor();
    expect(await receipt.textContent()).toBe('↳ voice: injected → s1');
    expect(await page.locator('section[data-agent="voice"]').count()).toBe(0);
  });

  it('filters by status and agent', async () => {
    await post({ agent_id: 'exec', action: 'a', status: 'ok' });
    await post({ agent_id: 'voice', action: 'b', status: 'info' });
    await openWithToken();
    await page.waitForSelector('[data-agent="voice"] .entry');
    await page.uncheck('#status-filters input[value="ok"]');
    expect(await page.locator('.entry.ok').isHidden()).toBe(true);
    expect(await page.locator('.entry.info').isVisible()).toBe(true);
    await page.fill('#agent-filter', 'exec');
    expect(await page.locator('.entry.info').isHidden()).toBe(true);
  });

  it('shows markup in entries as text and never runs it', async () => {
    await openWithToken();
    const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
    await post({
      agent_id: '<b>agent</b>',
      action: '<img src=x onerror="window.__pwned = 3">',
      status: 'info',
      detail: hostile,
    });
    const entry = page.locator('.entry.info');
    await entry.waitFor();
    expect(await entry.locator('.detail').textContent()).toBe(hostile);
    expect(await page.locator('section.lane h2').textContent()).toBe('<b>agent</b>');
    expect(await page.locator('.entry img, .entry script, .lane b').count()).toBe(0);
    expect(await page.evaluate<unknown>('window.__pwned')).toBeUndefined();
  });
});
