// The checks themselves: on a page built to break each rule, every check must speak up, so a
// green suite means the pupil pages passed, not that axe-core failed to load.

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { PHONE, checkA11y, launch, pupilContext } from './lib.mjs';

const BROKEN = `<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Kapot</title>
<style>
  body { background: #fbfaf7; color: #1d2330; }
  .faint { color: #cccccc; }
  input { border: 1px solid #dddddd; background: #fbfaf7; }
  a:focus, input:focus { outline: 3px solid #f2b632; }
  .wide { width: 600px; }
</style></head>
<body><main>
  <h1>Kapot</h1>
  <p class="faint">Te lichte tekst.</p>
  <input type="text">
  <div class="field"><label for="x">Code</label><p class="error">Dat is niet goed.</p>
    <input id="x" type="text" aria-invalid="true"></div>
  <p><a href="/">Terug</a></p>
  <div class="wide">Breder dan een telefoon.</div>
</main></body></html>`;

let browser, ctx;
before(async () => {
  browser = await launch();
  ctx = await pupilContext(browser, PHONE);
});
after(async () => {
  await browser?.close();
});

it('every check fails a page built to break it, with JavaScript off', async () => {
  const page = await ctx.newPage();
  await page.route('http://broken.invalid/', (r) =>
    r.fulfill({ contentType: 'text/html; charset=utf-8', body: BROKEN }),
  );
  await page.goto('http://broken.invalid/');
  const err = await checkA11y(page, 'broken page').then(
    () => null,
    (e) => e,
  );
  assert.ok(err, 'the broken page passed');
  // axe's findings come first and stop the rest; check them, then each later check alone.
  for (const rule of ['color-contrast', 'label']) assert.ok(err.message.includes(rule), err.message);

  const fixedForAxe = BROKEN.replace('.faint { color: #cccccc; }', '').replace(
    '<input type="text">',
    '<label>Naam <input type="text"></label>',
  );
  await page.route('http://broken.invalid/2', (r) =>
    r.fulfill({ contentType: 'text/html; charset=utf-8', body: fixedForAxe }),
  );
  await page.goto('http://broken.invalid/2');
  const later = await checkA11y(page, 'broken page, axe clean').then(
    () => null,
    (e) => e,
  );
  assert.ok(later, 'passed with overflow, faint edges, a faint focus ring and an untied error');
  assert.match(later.message, /1\.4\.10/);
  const noWide = fixedForAxe.replace('<div class="wide">', '<div>');
  await page.route('http://broken.invalid/3', (r) =>
    r.fulfill({ contentType: 'text/html; charset=utf-8', body: noWide }),
  );
  await page.goto('http://broken.invalid/3');
  const contrast = await checkA11y(page, 'broken page, no overflow').then(
    () => null,
    (e) => e,
  );
  assert.match(contrast?.message ?? '', /1\.4\.11/);
  assert.match(contrast.message, /edge/);
  assert.match(contrast.message, /focus ring/);
  const untied = noWide
    .replace('border: 1px solid #dddddd;', 'border: 1px solid #555555;')
    .replace('#f2b632', '#1d2330');
  await page.route('http://broken.invalid/4', (r) =>
    r.fulfill({ contentType: 'text/html; charset=utf-8', body: untied }),
  );
  await page.goto('http://broken.invalid/4');
  const tie = await checkA11y(page, 'broken page, contrast fixed').then(
    () => null,
    (e) => e,
  );
  assert.match(tie?.message ?? '', /3\.3\.1/);
  assert.match(tie.message, /#x/);
});
