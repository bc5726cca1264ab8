// Pupil pages in Debian's Chromium with JavaScript off, at phone size (390×844) and desktop
// size: every flow a pupil takes, real file choosers and real submit buttons, so the browser
// builds each request itself; axe-core on every page.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  DESKTOP,
  PHONE,
  adviserCli,
  axeNotes,
  checkA11y,
  launch,
  pngScreenshot,
  pupilContext,
  screenshot,
  startServer,
} from './lib.mjs';

const CATEGORIES = [
  'bullying',
  'threat',
  'fight_filmed',
  'images_shared',
  'sextortion',
  'reputation',
  'hacked_account',
  'discrimination',
  'adult_contact',
  'other',
];
const NO_UPLOAD = ['images_shared', 'sextortion', 'adult_contact'];
const CODE_SHAPE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
  for (const line of axeNotes()) console.log(`axe: ${line}`);
});

/** Fills the report form as a pupil would: a category, the text fields, the danger answer. */
async function fillReport(page, r) {
  await page.locator(`input[name=category][value="${r.category}"]`).check();
  await page.locator('#description').fill(r.description);
  if (r.where) await page.locator('#where').fill(r.where);
  if (r.when) await page.locator('#when').fill(r.when);
  if (r.involved) await page.locator('#involved').fill(r.involved);
  if (r.danger) await page.locator(`input[name=danger_now][value="${r.danger}"]`).check();
}

/** Clicks the form's own submit button and waits for the page it leads to. */
async function send(page, selector = 'form.report button[type=submit]') {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.locator(selector).click(),
  ]);
  return response;
}

async function pickupCode(page) {
  const code = (await page.locator('output#pickup-code').textContent()).trim();
  assert.match(code, CODE_SHAPE);
  return code;
}

/** The code stays on one line, inside the page, without sideways scrolling. */
async function assertCodeOnOneLine(page) {
  const box = await page.locator('output#pickup-code').evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    const parent = el.parentElement;
    return {
      lines: lines.size,
      right: el.getBoundingClientRect().right,
      viewport: document.documentElement.clientWidth,
      scrolls: parent.scrollWidth > parent.clientWidth,
    };
  });
  assert.equal(box.lines, 1, `the code wraps: ${JSON.stringify(box)}`);
  assert.ok(box.right <= box.viewport, `the code runs off the screen: ${JSON.stringify(box)}`);
  assert.ok(!box.scrolls, `the code's box scrolls sideways: ${JSON.stringify(box)}`);
}

async function shown(page, selector) {
  return page.locator(selector).first().isVisible();
}

const VARIANTS = [
  { size: PHONE, scheme: 'light' },
  { size: DESKTOP, scheme: 'light' },
  // Many phones are set to dark mode, and style.css follows it: a second set of colours.
  { size: PHONE, scheme: 'dark' },
];

for (const { size, scheme } of VARIANTS) {
  const variant = scheme === 'light' ? size.name : `${size.name}, dark`;
  describe(`pupil pages, JavaScript off, ${variant} ${size.width}×${size.height}`, () => {
    let server, ctx, page, cli;
    /** The code of the report the conversation tests use. */
    let code;
    const tag = (text) => `${text} [${variant}]`;
    const REPORT = tag('Ze pesten me elke dag in de groepsapp van de klas');

    before(async () => {
      // One server per size: the per-source limits (20 reports an hour) then hold for each.
      server = await startServer();
      cli = await adviserCli(server, server.demoKey);
      ctx = await pupilContext(browser, size, { colorScheme: scheme });
      page = await ctx.newPage();
    });
    after(async () => {
      await ctx?.close();
      await cli?.remove();
      await server?.stop();
    });

    it('home is the form, with where to get help now, and no script anywhere', async () => {
      const res = await page.goto(server.url('/'));
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), 'nl');
      assert.equal(await page.locator('script').count(), 0);
      assert.ok(await shown(page, 'aside.help a[href="tel:112"]'));
      assert.equal(await page.locator('input[name=category]').count(), CATEGORIES.length);
      // Nothing picked yet: every note that depends on the category is hidden, the upload shows.
      assert.ok(!(await shown(page, '.note-images')));
      assert.ok(!(await shown(page, '.note-adult')));
      assert.ok(await shown(page, '.field.evidence'));
      await checkA11y(page, tag('home'));
      if (size === PHONE && scheme === 'light') {
        await screenshot(page, 'form-390');
        await screenshot(page, 'form-390-full', { fullPage: true });
      }
    });

    it('the form shows the right notes and upload field for each category group', async () => {
      await page.goto(server.url('/s/demo'));
      const groups = {
        bullying: { images: false, adult: false, upload: true },
        images_shared: { images: true, adult: false, upload: false },
        sextortion: { images: true, adult: false, upload: false },
        adult_contact: { images: false, adult: true, upload: false },
      };
      for (const [category, want] of Object.entries(groups)) {
        await page.locator(`input[name=category][value="${category}"]`).check();
        assert.equal(await shown(page, '.note-images'), want.images, `${category}: images note`);
        assert.equal(await shown(page, '.note-adult'), want.adult, `${category}: adult note`);
        assert.equal(await shown(page, '.field.evidence'), want.upload, `${category}: upload`);
        await checkA11y(page, tag(`form, ${category}`));
      }
      assert.ok(!(await shown(page, '.note-danger')));
      await page.locator('input[name=danger_now][value=yes]').check();
      assert.ok(await shown(page, '.note-danger'), 'danger now: call 112');
      await checkA11y(page, tag('form, danger now'));
    });

    it('a report without a picture gets a code in every category', async () => {
      const before = (await cli.inbox()).length;
      for (const category of CATEGORIES) {
        await page.goto(server.url('/s/demo'));
        await fillReport(page, { category, description: tag(`Alleen tekst, ${category}`) });
        const res = await send(page);
        assert.equal(res.status(), 200, `${category}: ${await page.locator('main').innerText()}`);
        await pickupCode(page);
        await assertCodeOnOneLine(page);
      }
      const reports = await cli.inbox();
      assert.equal(reports.length, before + CATEGORIES.length);
      for (const category of CATEGORIES) {
        assert.ok(reports.some((r) => r.category === category), `${category} stored`);
      }
    });

    it('a full report with a screenshot: confirmation, the code on one line, type-back', async () => {
      await page.goto(server.url('/s/demo'));
      await fillReport(page, {
        category: 'bullying',
        description: REPORT,
        where: 'In de groepsapp en op het schoolplein',
        when: 'Al drie weken',
        involved: 'Twee jongens uit 2B',
        danger: 'unsure',
      });
      await page.locator('#evidence').setInputFiles({
        name: 'Screenshot_2026-11-30.png',
        mimeType: 'image/png',
        buffer: pngScreenshot(),
      });
      const res = await send(page);
      assert.equal(res.status(), 200, await page.locator('main').innerText());
      code = await pickupCode(page);
      await assertCodeOnOneLine(page);
      assert.ok(await shown(page, 'p.alert a[href="tel:112"]'), 'unsure about danger: call 112');
      await checkA11y(page, tag('confirmation'));
      if (size === PHONE && scheme === 'light') {
        await screenshot(page, 'confirmation-390');
        await screenshot(page, 'confirmation-390-full', { fullPage: true });
      }

      // "I have kept my code" hides the code and shows the type-back box (CSS, no script).
      assert.ok(!(await shown(page, '#typed-code')), 'the type-back box waits for the pupil');
      await page.locator('label.kept-label').click();
      assert.ok(!(await shown(page, 'output#pickup-code')), 'the code is out of sight');
      assert.ok(await shown(page, '#typed-code'));
      const at = page.url();

      // A different code: the browser checks it against the page's pattern and sends nothing.
      const wrong = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
      await page.locator('#typed-code').fill(wrong);
      assert.ok(!(await shown(page, '.works')));
      await page.locator('section.confirm button[type=submit]').click();
      await page.waitForTimeout(300);
      assert.equal(page.url(), at, 'nothing was sent');
      assert.ok(await page.locator('#typed-code').evaluate((el) => !el.validity.valid));
      await checkA11y(page, tag('type-back, wrong code'));

      // The right one, typed loosely (lower case, O for 0, L for 1, an en dash a phone made of
      // "-", a narrow no-break space, a space), is "your code works" on the same page, with no
      // request and so no page for Back to send again.
      const loose = code
        .toLowerCase()
        .replace('-', ' \u2013 ')
        .replace('-', '\u202f')
        .replaceAll('-', ' ')
        .replaceAll('0', 'o')
        .replaceAll('1', 'l');
      await page.locator('#typed-code').fill(loose);
      assert.ok(await shown(page, '.works p.ok'));
      assert.ok(!(await shown(page, 'section.confirm button[type=submit]')));
      assert.equal(page.url(), at);
      await checkA11y(page, tag('type-back, code works'));

      // The code can be shown once more.
      await page.locator('label.kept-label').click();
      assert.ok(await shown(page, 'output#pickup-code'));

      const stored = await cli.find(REPORT, 'bullying');
      assert.equal(stored.report.category, 'bullying');
      assert.equal(stored.report.danger_now, 'unsure');
      assert.equal(stored.attachments.length, 1, 'the screenshot came with the report');
    });

    it('every refusal says what to fix, keeps the text, and stores nothing', async () => {
      const before = (await cli.inbox()).length;

      // Empty: the browser itself stops the form (the field is required), without a request.
      await page.goto(server.url('/s/demo'));
      await page.locator('input[name=category][value=threat]').check();
      await page.locator('#where').fill(tag('bij de fietsenstalling'));
      let posted = false;
      const onRequest = (r) => {
        if (r.method() === 'POST') posted = true;
      };
      page.on('request', onRequest);
      await page.locator('form.report button[type=submit]').click();
      await page.waitForTimeout(300);
      page.off('request', onRequest);
      assert.ok(!posted, 'an empty description is never sent');
      assert.ok(await page.locator('#description').evaluate((el) => el.matches(':invalid')));

      // Only spaces pass the browser's check; the server refuses them and keeps the rest.
      await page.locator('#description').fill('   ');
      let res = await send(page);
      assert.equal(res.status(), 422);
      assert.ok(await shown(page, 'section.notices[role=alert]'));
      assert.equal(await page.locator('#description').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.locator('#where').inputValue(), tag('bij de fietsenstalling'));
      assert.ok(await page.locator('input[name=category][value=threat]').isChecked());
      await checkA11y(page, tag('refused: empty description'));

      // Too long: 20,001 characters.
      const long = 'x'.repeat(20_001);
      await page.locator('#description').fill(long);
      res = await send(page);
      assert.equal(res.status(), 422);
      assert.match(await page.locator('section.notices').innerText(), /20[.,\s]?001/);
      assert.equal((await page.locator('#description').inputValue()).length, long.length);
      await checkA11y(page, tag('refused: too long'));

      // A file that is not an image.
      await page.goto(server.url('/s/demo'));
      await fillReport(page, { category: 'bullying', description: tag('Met een verkeerd bestand') });
      await page.locator('#evidence').setInputFiles({
        name: 'huiswerk.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('dit is geen afbeelding\n'),
      });
      res = await send(page);
      assert.equal(res.status(), 422);
      const notice = await page.locator('section.notices').innerText();
      assert.ok(notice.includes('huiswerk.txt'), notice);
      assert.equal(await page.locator('#description').inputValue(), tag('Met een verkeerd bestand'));
      await checkA11y(page, tag('refused: not an image'));

      // A picture chosen first, then a category that takes none: the field hides, the file
      // still goes along, and the server refuses it without asking to choose it again.
      await page.goto(server.url('/s/demo'));
      await fillReport(page, { category: 'bullying', description: tag('Ze delen een foto van mij') });
      await page.locator('#evidence').setInputFiles({
        name: 'foto.png',
        mimeType: 'image/png',
        buffer: pngScreenshot(),
      });
      await page.locator('input[name=category][value=sextortion]').check();
      assert.ok(!(await shown(page, '.field.evidence')));
      res = await send(page);
      assert.equal(res.status(), 422);
      const notices = await page.locator('section.notices').innerText();
      assert.ok(notices.includes('foto.png'), notices);
      assert.ok(await page.locator('input[name=category][value=sextortion]').isChecked());
      assert.equal(await page.locator('#description').inputValue(), tag('Ze delen een foto van mij'));
      await checkA11y(page, tag('refused: a file where none are taken'));

      assert.equal((await cli.inbox()).length, before, 'nothing refused was stored');
    });

    it('/check: a wrong code, the right one, a reply, and follow-ups', async () => {
      assert.ok(code, 'the report test ran first');
      await page.goto(server.url('/s/demo'));
      await page.locator('header a.check-link').click();
      await page.waitForLoadState();
      assert.match(page.url(), /\/check\?lang=nl$/);
      await checkA11y(page, tag('check'));

      // A well-formed code that opens nothing.
      await page.locator('#code').fill('7KQM-9XTR-2HVD-P4WA');
      let res = await send(page, 'form.check button[type=submit]');
      assert.equal(res.status(), 404);
      assert.ok(await shown(page, 'form.check .error[role=alert]'));
      assert.equal(await page.locator('#code').inputValue(), '7KQM-9XTR-2HVD-P4WA');
      await checkA11y(page, tag('check, wrong code'));

      // The right code: the report, no answer yet.
      await page.locator('#code').fill(code);
      res = await send(page, 'form.check button[type=submit]');
      assert.equal(res.status(), 200);
      assert.ok((await page.locator('main').innerText()).includes(REPORT));
      assert.equal(await page.locator('article.from-school').count(), 0);
      await checkA11y(page, tag('conversation, no answer yet'));

      // The adviser answers from the command line, encrypted on their computer.
      const stored = await cli.find(REPORT, 'bullying');
      const REPLY = tag('Dank je dat je dit meldt. Kom je morgen langs bij kamer 12?');
      await cli.run(['reply', stored.id, '--message', REPLY]);

      await page.goto(server.url('/check'));
      await page.locator('#code').fill(code);
      await send(page, 'form.check button[type=submit]');
      // The newest answer opens the page, and the whole thread below holds it once.
      const answer = page.locator('article.from-school.newest');
      assert.equal(await answer.count(), 1);
      assert.ok((await answer.innerText()).includes(REPLY));
      assert.equal(await page.locator('article.from-school:not(.newest)').count(), 1);
      const top = await answer.boundingBox();
      assert.ok(top.y < 844, `the newest answer starts on the first screen (y=${top.y})`);
      await checkA11y(page, tag('conversation with a reply'));

      // A follow-up in words only: the browser sends an empty file part, which is no file.
      const MORE = tag('Vandaag deden ze het weer, in de pauze.');
      await page.locator('section.write #message').fill(MORE);
      res = await send(page, 'section.write button[type=submit]');
      assert.equal(res.status(), 200, await page.locator('section.write').innerText());
      assert.ok(await shown(page, 'main > p.ok[role=status]'));
      assert.equal(await page.locator('section.write #message').inputValue(), '');
      assert.ok((await page.locator('article.from-pupil').last().innerText()).includes(MORE));
      await checkA11y(page, tag('conversation, follow-up sent'));

      // A follow-up with a screenshot, chosen in the file chooser.
      const PROOF = tag('Hier is een screenshot van de groepsapp.');
      await page.locator('section.write #message').fill(PROOF);
      await page.locator('section.write #evidence').setInputFiles({
        name: 'Screenshot_groepsapp.png',
        mimeType: 'image/png',
        buffer: pngScreenshot(300, 900),
      });
      res = await send(page, 'section.write button[type=submit]');
      assert.equal(res.status(), 200, await page.locator('section.write').innerText());
      assert.ok(await shown(page, 'main > p.ok[role=status]'));
      const last = await page.locator('article.from-pupil').last().innerText();
      assert.ok(last.includes(PROOF) && /1/.test(last), last);
      assert.ok(await shown(page, 'article.from-pupil p.attachments'));
      await checkA11y(page, tag('conversation, follow-up with a screenshot'));
      if (size === PHONE && scheme === 'light') {
        await screenshot(page, 'conversation-390');
        await screenshot(page, 'conversation-390-full', { fullPage: true });
      }

      const now = await cli.show(stored.id);
      const texts = now.messages.map((m) => m.text);
      assert.deepEqual(
        texts.filter((t) => t === MORE || t === PROOF),
        [MORE, PROOF],
        'each follow-up stored once',
      );
      assert.equal(now.attachments.length, 2, 'the report screenshot and the follow-up one');
    });

    it('a conversation in a category that takes no pictures has no upload field', async () => {
      await page.goto(server.url('/s/demo'));
      await fillReport(page, { category: 'images_shared', description: tag('Er gaat een foto rond') });
      await send(page);
      const c = await pickupCode(page);
      await page.goto(server.url('/check'));
      await page.locator('#code').fill(c);
      await send(page, 'form.check button[type=submit]');
      assert.equal(await page.locator('section.write input[type=file]').count(), 0);
      await page.locator('section.write #message').fill(tag('Het staat in de groep van 3C'));
      const res = await send(page, 'section.write button[type=submit]');
      assert.equal(res.status(), 200, await page.locator('section.write').innerText());
      assert.ok(await shown(page, 'main > p.ok[role=status]'));
      await checkA11y(page, tag('conversation without upload'));
    });

    it('English: chosen at the top, kept through the form and the confirmation', async () => {
      await page.goto(server.url('/'));
      await page.locator('nav.lang a[hreflang=en]').click();
      await page.waitForLoadState();
      assert.match(page.url(), /lang=en/);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.ok((await page.locator('h1').innerText()).startsWith('Report it to'));
      await checkA11y(page, tag('form in English'));
      await fillReport(page, { category: 'discrimination', description: tag('They call me names') });
      const res = await send(page);
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      await pickupCode(page);
      await assertCodeOnOneLine(page);
      await checkA11y(page, tag('confirmation in English'));
      await page.goto(server.url('/check?lang=en'));
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      await checkA11y(page, tag('check in English'));
    });

    it('error pages: 404 and 405, calm and in the right language', async () => {
      for (const [path, status, lang] of [
        ['/no-such-page', 404, 'nl'],
        ['/s/no-such-school', 404, 'nl'],
        ['/no-such-page?lang=en', 404, 'en'],
        ['/s/demo/report', 405, 'nl'],
        ['/check/message?lang=en', 405, 'en'],
      ]) {
        const res = await page.goto(server.url(path));
        assert.equal(res.status(), status, path);
        assert.equal(await page.locator('html').getAttribute('lang'), lang, path);
        assert.ok(await shown(page, 'main h1'), path);
        assert.ok(await shown(page, 'main a[href^="/?lang="]'), `${path}: a way home`);
        await checkA11y(page, tag(`error ${status} ${path}`));
      }
    });
  });
}
