// Refresh, Back and a double tap must never make a second report or store a follow-up twice,
// and must never lose the code (issue 11 item 3, DESIGN.md "Idempotent submissions").
//
// These run in Chromium with JavaScript off, as the other pupil tests do.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { PHONE, adviserCli, launch, pupilContext, startServer } from './lib.mjs';

const CODE_SHAPE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

describe('no second report on refresh, Back or double tap, JavaScript off, phone', () => {
  let browser, server, cli, ctx;

  before(async () => {
    browser = await launch();
    server = await startServer();
    cli = await adviserCli(server, server.demoKey);
  });
  after(async () => {
    await browser?.close();
    await cli?.remove();
    await server?.stop();
  });

  /** A fresh tab (no history) on the report form, filled in. */
  async function filledForm(description, category = 'bullying') {
    ctx = await pupilContext(browser, PHONE);
    const page = await ctx.newPage();
    await page.goto(server.url('/s/demo'));
    await page.locator(`input[name=category][value=${category}]`).check();
    await page.locator('#description').fill(description);
    return page;
  }

  async function send(page, selector = 'form.report button[type=submit]') {
    const [res] = await Promise.all([page.waitForNavigation(), page.locator(selector).click()]);
    return res;
  }

  async function code(page) {
    const c = (await page.locator('output#pickup-code').textContent()).trim();
    assert.match(c, CODE_SHAPE);
    return c;
  }

  const reports = async () => (await cli.inbox()).length;

  it('reloading the confirmation sends the form again: same code, no second report', async () => {
    const page = await filledForm('Vernieuwd na het versturen');
    const before = await reports();
    await send(page);
    const first = await code(page);
    // Chromium sends the POST again on a reload (a person confirms "resubmit the form"; the
    // headless browser does so without asking).
    const res = await page.reload();
    assert.equal(res.status(), 200);
    assert.equal(await code(page), first, 'the same code again');
    assert.equal(await reports(), before + 1, 'one report');
    await ctx.close();
  });

  it('Back to the form and sending it again makes no second report', async () => {
    const page = await filledForm('Terug en nog een keer verstuurd');
    const before = await reports();
    await send(page);
    const first = await code(page);
    await page.goBack();
    // The browser puts the text back; the pupil presses send once more.
    assert.equal(await page.locator('#description').inputValue(), 'Terug en nog een keer verstuurd');
    await send(page);
    if (await page.locator('output#pickup-code').count()) {
      assert.equal(await code(page), first, 'no new code for the same report');
    }
    assert.equal(await reports(), before + 1, 'one report');
    await ctx.close();
  });

  it('a double tap on the send button makes one report', async () => {
    const page = await filledForm('Twee keer snel op versturen getikt');
    const before = await reports();
    const button = page.locator('form.report button[type=submit]');
    await button.scrollIntoViewIfNeeded();
    const box = await button.boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    // Slow school Wi-Fi: each answer reaches the browser half a second after the server sent
    // it, so the second tap lands while the first is still on its way.
    let posts = 0;
    await page.route(/\/s\/demo\/report/, async (route) => {
      posts += 1;
      const response = await route.fetch();
      await new Promise((ok) => setTimeout(ok, 500));
      // The browser has dropped the first answer by now when the second tap went out.
      await route.fulfill({ response }).catch(() => {});
    });
    await page.mouse.click(x, y);
    await page.waitForTimeout(100);
    await page.mouse.click(x, y);
    await page.locator('output#pickup-code').waitFor({ timeout: 10_000 });
    await page.waitForLoadState();
    assert.equal(posts, 2, 'the browser sent the form twice');
    const shown = await code(page);
    assert.equal(await reports(), before + 1, 'one report');
    // And the code the pupil sees is the one that opens it.
    await page.goto(server.url('/check'));
    await page.locator('#code').fill(shown);
    const res = await send(page, 'form.check button[type=submit]');
    assert.equal(res.status(), 200);
    await ctx.close();
  });

  it('Back from "your code works" shows a page, not a resubmission error', async () => {
    const page = await filledForm('Code overgetypt en toen terug');
    await send(page);
    const shown = await code(page);
    await page.locator('label.kept-label').click();
    await page.locator('#typed-code').fill(shown);
    assert.ok(await page.locator('.works p.ok').isVisible(), 'your code works');
    const res = await page.goBack().catch((e) => e);
    assert.ok(!(res instanceof Error), `Back failed: ${res?.message}`);
    assert.ok(!page.url().startsWith('chrome-error:'), `Back ends on ${page.url()}`);
    assert.equal(res?.status(), 200);
    await ctx.close();
  });

  it('reloading after a follow-up stores it once', async () => {
    const page = await filledForm('Melding met een vervolgbericht', 'other');
    await send(page);
    const shown = await code(page);
    await page.goto(server.url('/check'));
    await page.locator('#code').fill(shown);
    await send(page, 'form.check button[type=submit]');
    const MORE = 'Dit bericht mag maar één keer aankomen.';
    await page.locator('section.write #message').fill(MORE);
    await send(page, 'section.write button[type=submit]');
    assert.ok(await page.locator('main > p.ok[role=status]').isVisible());
    await page.reload();
    const stored = await cli.find('Melding met een vervolgbericht', 'other');
    const copies = stored.messages.filter((m) => m.text === MORE).length;
    assert.equal(copies, 1, 'the follow-up is stored once');
    await ctx.close();
  });
});
