/// <reference lib="dom" />
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { launchChromium, SCREENSHOTS } from './harness/browser.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// The dashboard in a real browser (Debian's chromium through playwright-core)
// against a real API, router and engine. Alice, not an admin, owns `dash`;
// the admin owns `admins-only`. Each step goes on from the one before, on one
// page, as a user would.

let p: Platform;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let dir: string;
let alice: string;
let asAlice: NodeJS.ProcessEnv;
let base: string;
const APP = 'dash';
const HOST = `${APP}.localhost`;

const paasAsAlice = (args: string[]) => p.paas(args, { cwd: dir, env: asAlice });
const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  p = await startPlatform();
  base = `http://127.0.0.1:${p.apiPort}`;
  const added = await p.paas(['users', 'add', 'alice']);
  alice = /paas_[A-Za-z0-9_-]+/.exec(added.stdout)?.[0] ?? '';
  if (!alice) throw new Error(`paas users add: ${added.stdout}${added.stderr}`);
  asAlice = { PAAS_TOKEN: alice, PAAS_API_URL: base };
  dir = await copyApp('test/fixtures/versioned');
  await writeVersion(dir, 'one');
  for (const args of [['create', APP], ['push']]) {
    const r = await paasAsAlice(args);
    if (r.code !== 0) throw new Error(`paas ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  const other = await p.paas(['create', 'admins-only'], { cwd: await copyApp('test/fixtures/versioned') });
  if (other.code !== 0) throw new Error(other.stderr);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
afterAll(async () => {
  // The platform goes even when the browser will not close.
  await browser?.close().catch(() => undefined);
  await p?.stop();
});

const instanceCount = (): Promise<string | null> => page.getAttribute('[data-testid=instance-count]', 'data-count');

describe('the dashboard', () => {
  it('signs in by keyboard alone with the token; the cookie is HttpOnly and SameSite=Strict', async () => {
    await page.goto(`${base}/`);
    const token = page.locator('input[name=token]');
    await token.waitFor();
    await shot('signin');
    // Keyboard only: focus the field, type, Enter.
    await token.focus();
    await page.keyboard.type(alice);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid=whoami]').catch(() => null), { timeout: 10_000 }).toContain('alice');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'paas_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    // Plain HTTP on loopback: Secure would keep the browser from sending it back (unit tests cover HTTPS).
    expect(cookie?.secure).toBe(false);
    // The page's own scripts cannot read the token.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(alice);
  });

  it('lists her apps, never the admin\'s', async () => {
    const row = page.locator(`[data-testid=app-row-${APP}]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('v1');
    expect(await page.locator('[data-testid=app-row-admins-only]').count()).toBe(0);
    await shot('apps');
  });

  it('shows the instance count change that `paas scale` makes from the CLI, without a reload', async () => {
    await page.click(`[data-testid=app-row-${APP}] a[href="/apps/${APP}"]`);
    await expect.poll(() => page.textContent('[data-testid=app-title]').catch(() => null)).toContain(APP);
    await expect.poll(instanceCount, { timeout: 15_000 }).toBe('1');
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    const scaled = await paasAsAlice(['scale', 'www=2']);
    expect(scaled.code, scaled.stderr).toBe(0);
    await expect.poll(instanceCount, { timeout: 10_000 }).toBe('2');
    await expect.poll(() => page.locator('[data-testid=instance][data-state=healthy]').count(), { timeout: 10_000 }).toBe(2);
    // The scale control follows too.
    await expect.poll(() => page.inputValue('[data-testid=scale-www]'), { timeout: 10_000 }).toBe('2');
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await shot('app');
  });

  it('streams a line the app prints into the logs panel', async () => {
    await page.click('[data-testid=tab-logs]');
    await page.locator('[data-testid=logs]').waitFor();
    // The panel shows what is already there, then follows: wait for its first lines.
    await expect.poll(() => page.locator('[data-testid=log-line]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const said = `said-${randomBytes(4).toString('hex')}`;
    expect((await getVia(p.routerPort, HOST, `/say/${said}`)).status).toBe(200);
    await expect.poll(() => page.locator('[data-testid=log-line]', { hasText: said }).count(), { timeout: 10_000 }).toBe(1);
    // Filtering by one instance reconnects with only its lines.
    const options = await page.locator('[data-testid=logs-filter] option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['www', 'www.1', 'www.2']));
    await page.selectOption('[data-testid=logs-filter]', 'www.2');
    const onlyWww2 = async (): Promise<boolean> => {
      const shown = await page.locator('[data-testid=log-line]').allTextContents();
      return shown.length > 0 && shown.every((l) => l.startsWith('www.2'));
    };
    await expect.poll(onlyWww2, { timeout: 10_000 }).toBe(true);
    await shot('logs');
  });

  it('sets an env value (hidden until revealed) and shows the new release', async () => {
    await page.click('[data-testid=tab-env]');
    await page.fill('input[name=env-name]', 'GREETING');
    await page.fill('input[name=env-value]', 'hi-from-the-browser');
    await page.click('[data-testid=env-save]');
    await expect.poll(() => page.getAttribute('[data-testid=progress]', 'data-done'), { timeout: 60_000 }).toBe('true');
    expect(await page.locator('[role=alert]').count()).toBe(0);
    const row = page.locator('[data-testid=env-row-GREETING]');
    await row.waitFor();
    expect(await row.textContent()).not.toContain('hi-from-the-browser');
    await page.click('[data-testid=reveal-GREETING]');
    await expect.poll(() => row.textContent()).toContain('hi-from-the-browser');
    expect((await getVia(p.routerPort, HOST, '/env/GREETING')).body).toBe('hi-from-the-browser');
    await page.click('[data-testid=tab-releases]');
    await expect.poll(() => page.getAttribute('[data-testid=release-v2]', 'data-status'), { timeout: 10_000 }).toBe('active');
    // Each release's build and deploy log.
    await page.click('[data-testid=buildlog-v1]');
    await expect.poll(() => page.textContent('[data-testid=buildlog]').catch(() => null), { timeout: 10_000 }).toMatch(/www/);
    await shot('releases');
  });

  it('rolls back to v1 after asking first', async () => {
    await page.click('[data-testid=rollback-v1]');
    const confirm = page.locator('[data-testid=confirm]');
    await confirm.waitFor();
    // Cancel first: nothing happens.
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    await page.click('[data-testid=rollback-v1]');
    await page.click('[data-testid=confirm]');
    await expect.poll(() => page.getAttribute('[data-testid=progress]', 'data-done'), { timeout: 60_000 }).toBe('true');
    await expect.poll(() => page.getAttribute('[data-testid=release-v3]', 'data-status'), { timeout: 10_000 }).toBe('active');
    expect(await page.textContent('[data-testid=release-v3]')).toContain('v1');
    const releases = JSON.parse((await paasAsAlice(['releases', '--json'])).stdout) as { id: string; status: string; description: string }[];
    expect(releases.find((r) => r.status === 'active')).toMatchObject({ id: 'v3', description: 'rollback to v1' });
    expect((await getVia(p.routerPort, HOST, '/env/GREETING')).status).toBe(404);
  });

  it('runs `echo hi` in the web terminal and reads hi', async () => {
    await page.click('[data-testid=tab-terminal]');
    await page.click('[data-testid=terminal-open]');
    const term = page.locator('[data-testid=terminal]');
    await term.waitFor();
    // The login shell's prompt, then the command.
    await expect.poll(() => term.locator('.xterm-rows').textContent(), { timeout: 20_000 }).toMatch(/[$#]/);
    await page.keyboard.type('echo hi\n');
    const lines = async (): Promise<string[]> => (await term.locator('.xterm-rows > div').allTextContents()).map((l) => l.replace(/\u00a0/g, ' ').trim());
    await expect.poll(lines, { timeout: 10_000 }).toContain('hi');
    await shot('terminal');
    await page.click('[data-testid=terminal-close]');
  });

  it('a state-changing call from the page without the CSRF value is refused, and changes nothing', async () => {
    const status = await page.evaluate(async (app) => {
      const r = await fetch(`/v1/apps/${app}/scale`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scale: { www: 3 } }) });
      return [r.status, ((await r.json()) as { code: string }).code];
    }, APP);
    expect(status).toEqual([403, 'CSRF_INVALID']);
    const ps = JSON.parse((await paasAsAlice(['ps', '--json'])).stdout) as unknown[];
    expect(ps).toHaveLength(2);
  });

  it('another user\'s app is not reachable by URL', async () => {
    await page.goto(`${base}/apps/admins-only`);
    const alert = page.locator('[role=alert]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('APP_NOT_FOUND');
    expect(await page.evaluate(() => fetch('/v1/apps/admins-only').then((r) => r.status))).toBe(404);
  });

  it('works on a phone-sized screen: nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${base}/apps/${APP}`);
    await expect.poll(instanceCount, { timeout: 10_000 }).toBe('2');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot('app-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signs out: the cookie is gone and the API refuses the page', async () => {
    await page.click('[data-testid=signout]');
    await page.locator('input[name=token]').waitFor();
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => fetch('/v1/apps').then((r) => r.status))).toBe(401);
  });

  it('shows an admin the platform: users, nodes and the disk used by images', async () => {
    await page.fill('input[name=token]', await p.adminToken());
    await page.click('button[type=submit]');
    await page.click('[data-testid=nav-platform]');
    await expect.poll(() => page.textContent('[data-testid=users]').catch(() => null), { timeout: 10_000 }).toContain('alice');
    await expect.poll(() => page.textContent('[data-testid=nodes]').catch(() => null), { timeout: 10_000 }).toMatch(/one machine/i);
    await expect.poll(() => page.textContent('[data-testid=images-disk]').catch(() => null)).toMatch(/[0-9.]+\s*(B|kB|KB|MB|GB|KiB|MiB|GiB)/);
    await shot('platform');
  });
});
