// The adviser workstation (`fluister adviser ui`) in Debian's Chromium: unlock, inbox, a case,
// reply, note, status, export and a blurred evidence image, with axe-core on every page; then
// the pupil reads the reply (and not the note) with JavaScript off.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';

import {
  BIN,
  DESKTOP,
  PHONE,
  axeNotes,
  checkA11y,
  fluister,
  launch,
  pngScreenshot,
  pupilContext,
  screenshot,
  spawnChild,
  startServer,
  tempDir,
} from './lib.mjs';

const PASSPHRASE = 'correct horse battery staple';
const THREAT = 'SENTINEL-BROWSER ze wachten me op na school en sturen dreigberichten';
const SEXTORTION = 'SENTINEL-BROWSER iemand wil geld anders stuurt hij mijn foto door';
const REPLY = 'Dank je dat je dit meldt. Kom je morgen in de eerste pauze naar kamer 12?';
const NOTE = 'Mentor gebeld; niet aan de leerling vertellen.';

/** `fluister adviser ui` without a browser of its own; resolves with its one-time link. */
async function startUi(server, identity, cacheDir) {
  // The passphrase is typed in the browser, as an adviser would, never taken from the
  // environment.
  const env = { ...process.env, FLUISTER_NO_BROWSER: '1', FLUISTER_CACHE_DIR: cacheDir };
  delete env.FLUISTER_PASSPHRASE;
  const child = spawnChild(BIN, ['adviser', 'ui', '--server', server.base, '--identity', identity], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const log = [];
  createInterface({ input: child.stderr }).on('line', (l) => log.push(l));
  const link = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no link:\n${log.join('\n')}`)), 30_000);
    child.on('exit', (c) => fail(new Error(`ui exited with ${c}:\n${log.join('\n')}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^Open (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    link,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGINT');
        await exited;
      }
    },
  };
}

describe('adviser workstation in the browser', () => {
  let tmp, server, ui, browser, ctx, page, code;

  before(async () => {
    tmp = await tempDir();
    const identity = join(tmp.dir, 'adviser.key');
    // The adviser makes a passphrase-protected key, as on their own computer.
    const out = await fluister(['adviser', 'init', '--identity', identity], {
      FLUISTER_PASSPHRASE: PASSPHRASE,
    });
    const recipient = out.trim().split('\n').pop();
    assert.match(recipient, /^age1[0-9a-z]+$/);
    server = await startServer({
      config: `[[school]]\nslug = "de-linde"\nname = "De Linde"\nadvisers = ["${recipient}"]\n`,
    });
    browser = await launch();

    // Two reports from a pupil's phone, JavaScript off: one with a screenshot.
    const pupil = await pupilContext(browser, PHONE);
    const p = await pupil.newPage();
    await p.goto(server.url('/s/de-linde'));
    await p.locator('input[name=category][value=threat]').check();
    await p.locator('#description').fill(THREAT);
    await p.locator('input[name=danger_now][value=yes]').check();
    await p.locator('#evidence').setInputFiles({
      name: 'dreigbericht.png',
      mimeType: 'image/png',
      buffer: pngScreenshot(360, 640),
    });
    await Promise.all([p.waitForNavigation(), p.locator('form.report button[type=submit]').click()]);
    code = (await p.locator('#pickup-code').textContent()).trim();
    await p.goto(server.url('/s/de-linde'));
    await p.locator('input[name=category][value=sextortion]').check();
    await p.locator('#description').fill(SEXTORTION);
    await Promise.all([p.waitForNavigation(), p.locator('form.report button[type=submit]').click()]);
    await p.locator('#pickup-code').waitFor();
    await pupil.close();

    ui = await startUi(server, identity, join(tmp.dir, 'cache'));
    ctx = await browser.newContext({
      viewport: { width: DESKTOP.width, height: DESKTOP.height },
      acceptDownloads: true,
      locale: 'nl-NL',
    });
    page = await ctx.newPage();
  });

  after(async () => {
    await ctx?.close();
    await browser?.close();
    await ui?.stop();
    await server?.stop();
    await tmp?.remove();
    for (const line of axeNotes()) console.log(`axe: ${line}`);
  });

  it('the one-time link asks for the passphrase, refuses a wrong one, opens with the right one', async () => {
    const res = await page.goto(ui.link);
    assert.equal(res.status(), 200);
    assert.ok(!page.url().includes('token='), 'the token leaves the address bar');
    assert.equal(await page.locator('input[type=password][name=passphrase]').count(), 1);
    assert.ok(!(await page.content()).includes('SENTINEL'), 'nothing of a report before unlocking');
    await checkA11y(page, 'workstation: unlock');

    await page.locator('#passphrase').fill('wrong horse battery staple');
    const [wrong] = await Promise.all([page.waitForNavigation(), page.locator('form.unlock button').click()]);
    assert.equal(wrong.status(), 403);
    assert.ok(await page.locator('p.problem[role=alert]').isVisible());
    await checkA11y(page, 'workstation: wrong passphrase');

    await page.locator('#passphrase').fill(PASSPHRASE);
    await Promise.all([page.waitForNavigation(), page.locator('form.unlock button').click()]);
    assert.equal(await page.locator('table.inbox tbody tr').count(), 2);
  });

  it('the inbox lists both reports and passes axe at desktop and phone size', async () => {
    await page.goto(new URL('/', ui.link).href);
    const rows = await page.locator('table.inbox tbody tr').allInnerTexts();
    assert.ok(rows.some((r) => r.includes('Bedreiging')), rows.join('\n'));
    assert.ok(rows.some((r) => r.includes('Sextortion')), rows.join('\n'));
    await checkA11y(page, 'workstation: inbox');
    await page.locator('nav.filter a', { hasText: 'Gesloten' }).click();
    await page.waitForLoadState();
    assert.equal(await page.locator('table.inbox').count(), 0);
    await checkA11y(page, 'workstation: inbox, nothing closed');
    await page.setViewportSize({ width: PHONE.width, height: PHONE.height });
    await page.goto(new URL('/', ui.link).href);
    await checkA11y(page, 'workstation: inbox at 390 px');
    await page.setViewportSize({ width: DESKTOP.width, height: DESKTOP.height });
  });

  it('a case: duties, the report, the image blurred until shown', async () => {
    await page.goto(new URL('/', ui.link).href);
    await page.locator('table.inbox tr', { hasText: 'Bedreiging' }).locator('a.id').click();
    await page.waitForLoadState();
    const main = await page.locator('main').innerText();
    assert.ok(main.includes(THREAT), main);
    assert.ok(await page.locator('section.duty-danger').isVisible(), 'danger now: act today');

    const img = page.locator('figure.evidence img');
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
    const filter = () => img.evaluate((el) => getComputedStyle(el).filter);
    assert.match(await filter(), /blur/, 'blurred at first');
    await checkA11y(page, 'workstation: case, image blurred');
    await screenshot(page, 'workstation-case-blurred');
    await page.locator('label.reveal-button').click();
    assert.equal(await filter(), 'none', 'shown after "Toon afbeelding"');
    await checkA11y(page, 'workstation: case, image shown');
    await page.locator('label.reveal-button').click();
    assert.match(await filter(), /blur/, 'a second click blurs it again');
    await page.locator('label.reveal-button').click();
    await page.reload();
    assert.match(await filter(), /blur/, 'every page load starts blurred');

    await page.setViewportSize({ width: PHONE.width, height: PHONE.height });
    await checkA11y(page, 'workstation: case at 390 px');
    await page.setViewportSize({ width: DESKTOP.width, height: DESKTOP.height });

    // The other case: the duties for nude images.
    await page.goto(new URL('/', ui.link).href);
    await page.locator('table.inbox tr', { hasText: 'Sextortion' }).locator('a.id').click();
    await page.waitForLoadState();
    assert.ok((await page.locator('main').innerText()).includes('art. 252'));
    await checkA11y(page, 'workstation: case with duties');
  });

  it('reply, note, status and export from the case page', async () => {
    await page.goto(new URL('/', ui.link).href);
    await page.locator('table.inbox tr', { hasText: 'Bedreiging' }).locator('a.id').click();
    await page.waitForLoadState();

    // An empty reply is refused and says so.
    const [empty] = await Promise.all([
      page.waitForNavigation(),
      page.locator('section.write:not(.note-pad) button[type=submit]').click(),
    ]);
    assert.equal(empty.status(), 422);
    assert.ok(await page.locator('section.write p.problem[role=alert]').isVisible());
    // The refusal comes back scrolled to what went wrong, without script.
    assert.ok(page.url().endsWith('#reply-text-problem'), page.url());
    const where = await page.locator('#reply-text-problem').evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, height: window.innerHeight, scrolled: window.scrollY };
    });
    assert.ok(where.top > -1 && where.top < where.height, `the problem is on screen: ${JSON.stringify(where)}`);
    await checkA11y(page, 'workstation: empty reply');

    await page.locator('#reply-text').fill(REPLY);
    await Promise.all([page.waitForNavigation(), page.locator('section.write:not(.note-pad) button[type=submit]').click()]);
    // The fragment that scrolls a refusal into view rides along; on success it names nothing.
    assert.ok(page.url().includes('?flash=reply'), page.url());
    assert.ok(await page.locator('p.flash[role=status]').isVisible());
    assert.ok((await page.locator('article.message.adviser').innerText()).includes(REPLY));
    await checkA11y(page, 'workstation: reply sent');

    await page.locator('#note-text').fill(NOTE);
    await Promise.all([page.waitForNavigation(), page.locator('section.note-pad button[type=submit]').click()]);
    assert.ok(page.url().includes('?flash=note'), page.url());
    assert.ok((await page.locator('article.message.note').innerText()).includes(NOTE));
    await checkA11y(page, 'workstation: note kept');

    await Promise.all([page.waitForNavigation(), page.locator('section.status-pad button[value=open]').click()]);
    assert.ok(page.url().endsWith('?flash=status-open'), page.url());
    assert.ok(await page.locator('section.status-pad button[value=open]').isDisabled());
    await checkA11y(page, 'workstation: status open');

    const before = page.url();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('section.export button[type=submit]').click(),
    ]);
    assert.match(download.suggestedFilename(), /^fluister-case-[0-9a-f]{16}\.html$/);
    const exported = await readFile(await download.path(), 'utf8');
    assert.ok(exported.includes(THREAT) && exported.includes(REPLY), 'the export holds the case');
    assert.equal(page.url(), before, 'the page stays on the case');
    // The export is what goes into the school's file: readable for everyone who opens it.
    const view = await ctx.newPage();
    await view.route('http://export.invalid/case.html', (r) =>
      r.fulfill({ contentType: 'text/html; charset=utf-8', body: exported }),
    );
    await view.goto('http://export.invalid/case.html');
    await checkA11y(view, 'workstation: the exported case');
    await view.close();
  });

  it('locking drops the key: the passphrase is asked again', async () => {
    await page.goto(new URL('/', ui.link).href);
    await Promise.all([page.waitForNavigation(), page.locator('form.lock[action="/lock"] button').click()]);
    assert.equal(await page.locator('input[type=password][name=passphrase]').count(), 1);
    assert.ok(!(await page.content()).includes('SENTINEL'));
  });

  it('the pupil reads the reply, and never the note', async () => {
    const pupil = await pupilContext(browser, PHONE);
    const p = await pupil.newPage();
    await p.goto(server.url('/check'));
    await p.locator('#code').fill(code);
    await Promise.all([p.waitForNavigation(), p.locator('form.check button[type=submit]').click()]);
    const text = await p.locator('main').innerText();
    assert.ok(text.includes(REPLY), text);
    assert.ok(!text.includes(NOTE), 'a private note never reaches the pupil');
    await checkA11y(p, 'pupil reads the workstation reply');
    await screenshot(p, 'conversation-workstation-390');
    await pupil.close();
  });
});
