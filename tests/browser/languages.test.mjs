// Every pupil in their own language (issue 14): the form, the confirmation and the conversation
// in each of the eight languages at phone size, axe-core on each, no sideways scrolling, and
// Arabic laid out right to left with the code and phone numbers left to right.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { PHONE, axeNotes, checkA11y, launch, pupilContext, screenshot, startServer } from './lib.mjs';

const LANGS = ['nl', 'en', 'ar', 'tr', 'pl', 'uk', 'bg', 'ro'];
const CODE_SHAPE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

/** Wider than the screen is a page the pupil must scroll sideways (WCAG 1.4.10). */
async function assertNoOverflow(page, label) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${label}: ${scroll} px of page in a ${client} px screen`);
}

async function send(page, selector) {
  const [response] = await Promise.all([page.waitForNavigation(), page.locator(selector).click()]);
  return response;
}

let browser, server, ctx, page;
before(async () => {
  browser = await launch();
  server = await startServer();
  // The browser asks for German: nothing we speak, so every page here is the pupil's choice.
  ctx = await pupilContext(browser, PHONE, { locale: 'de-DE' });
  page = await ctx.newPage();
});
after(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
  for (const line of axeNotes()) console.log(`axe: ${line}`);
});

describe(`eight languages, phone ${PHONE.width}×${PHONE.height}, JavaScript off`, () => {
  for (const lang of LANGS) {
    it(`${lang}: form, confirmation and conversation`, async () => {
      const dir = lang === 'ar' ? 'rtl' : 'ltr';
      const tag = (text) => `${text} [${lang}]`;
      let res = await page.goto(server.url(`/s/demo?lang=${lang}`));
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      assert.equal(await page.locator('html').getAttribute('dir'), dir);
      assert.equal(await page.locator('input[name=lang]').getAttribute('value'), lang);
      await assertNoOverflow(page, tag('form'));
      await checkA11y(page, tag('form'));
      if (lang === 'ar') {
        // Mirrored: the help box's border is on the right, the phone numbers still read 0800-0432.
        const help = await page.locator('aside.help').evaluate((el) => {
          const s = getComputedStyle(el);
          return { right: s.borderRightWidth, left: s.borderLeftWidth };
        });
        assert.deepEqual(help, { right: '4px', left: '0px' });
        const phone = page.locator('aside.help a[href="tel:08000432"]');
        assert.equal(await phone.evaluate((el) => getComputedStyle(el).direction), 'ltr');
        const shot = await page.screenshot();
        assert.ok(shot.length > 10_000, 'a screenshot of the Arabic form');
        await screenshot(page, 'ar-form-390');
        await screenshot(page, 'ar-form-390-full', { fullPage: true });
      }

      await page.locator('input[name=category][value=bullying]').check();
      const REPORT = tag('Ze pesten me in de groepsapp');
      await page.locator('#description').fill(REPORT);
      await page.locator('input[name=danger_now][value=no]').check();
      res = await send(page, 'form.report button[type=submit]');
      assert.equal(res.status(), 200, await page.locator('main').innerText());
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      assert.equal(await page.locator('html').getAttribute('dir'), dir);
      const output = page.locator('output#pickup-code');
      const code = (await output.textContent()).trim();
      assert.match(code, CODE_SHAPE);
      assert.equal(await output.evaluate((el) => getComputedStyle(el).direction), 'ltr');
      await assertNoOverflow(page, tag('confirmation'));
      await checkA11y(page, tag('confirmation'));
      if (lang === 'ar') {
        const shot = await page.screenshot({ fullPage: true });
        assert.ok(shot.length > 10_000, 'a screenshot of the Arabic confirmation');
        await screenshot(page, 'ar-confirmation-390');
        await screenshot(page, 'ar-confirmation-390-full', { fullPage: true });
      }

      // The link at the top keeps the language; the conversation opens in it.
      await page.locator('a.check-link').click();
      await page.waitForLoadState();
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      await page.locator('#code').fill(code);
      res = await send(page, 'form.check button[type=submit]');
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      assert.ok((await page.locator('main').innerText()).includes(REPORT));
      await assertNoOverflow(page, tag('conversation'));
      await checkA11y(page, tag('conversation'));
      if (lang === 'ar') await screenshot(page, 'ar-conversation-390-full', { fullPage: true });
    });
  }
});

// Public keys only: their secret halves were thrown away when they were made.
const ADVISER = 'age18xcufswnqr0vlz6ljsfel6qfrf4ut35zgxjvdy2u28s6jr9eeffqjnmghq';
const BOARD = 'age19wxes0dyguzrxr8ew3hp7780t4mvd8ssyx0t7wlflsu6nq23k4nq8wnfk2';

describe(`a school whose board keeps a spare key, phone ${PHONE.width}×${PHONE.height}`, () => {
  // The footer there is the longest the pages have: it too must fit a phone and pass axe.
  let spare;
  before(async () => {
    spare = await startServer({
      config: `[[school]]\nslug = "de-linde"\nname = "De Linde"\nadvisers = ["${ADVISER}"]\nrecovery = "${BOARD}"\n`,
    });
  });
  after(async () => {
    await spare?.stop();
  });

  for (const lang of LANGS) {
    it(`${lang}: the form and /check`, async () => {
      const tag = (text) => `${text}, spare key [${lang}]`;
      for (const [path, label] of [
        [`/s/de-linde?lang=${lang}`, 'form'],
        [`/check?lang=${lang}`, 'check'],
      ]) {
        const res = await page.goto(spare.url(path));
        assert.equal(res.status(), 200);
        assert.equal(await page.locator('html').getAttribute('lang'), lang);
        const footer = await page.locator('footer').innerText();
        assert.notEqual(footer.trim(), '', tag(label));
        await assertNoOverflow(page, tag(label));
        await checkA11y(page, tag(label));
      }
    });
  }
});
