// Shared helpers for the browser suite: the real `fluister` binary, Debian's Chromium driven by
// playwright-core (never a downloaded browser), axe-core on every page, and small fixtures.

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { createInterface } from 'node:readline';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

/** The binary under test: `CARGO_BIN_EXE_fluister` when run by `cargo test`. */
export const BIN = process.env.FLUISTER_BIN ?? resolve(here, '../../target/debug/fluister');
/** Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM = process.env.FLUISTER_CHROMIUM ?? '/usr/bin/chromium';

export const PHONE = { name: 'phone', width: 390, height: 844 };
export const DESKTOP = { name: 'desktop', width: 1280, height: 900 };

/** WCAG 2.1 A and AA: any violation with one of these tags fails the page. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_SOURCE = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** Where screenshots go when FLUISTER_SCREENSHOTS names a folder (never committed). */
export const SCREENSHOTS = process.env.FLUISTER_SCREENSHOTS;

// ---------------------------------------------------------------------------------------------
// Processes

/** Every server and workstation this process started, stopped however it ends. */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(1));
}

/** `spawn`, with the child stopped when this process exits. */
export function spawnChild(command, args, options) {
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A temporary folder, removed by the returned function. */
export async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'fluister-browser-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `fluister serve` on a free loopback port: the demo install in a new data folder, or the given
 * config. Resolves once it says where it listens.
 */
export async function startServer({ config } = {}) {
  const tmp = await tempDir();
  const dataDir = join(tmp.dir, 'data');
  const args = ['serve', '--listen', '127.0.0.1:0'];
  if (config) {
    const path = join(tmp.dir, 'fluister.toml');
    await writeFile(path, `data_dir = ${JSON.stringify(dataDir)}\n${config}`);
    args.push('--config', path);
  } else {
    args.push('--data-dir', dataDir);
  }
  const child = spawnChild(BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: 'info', NO_COLOR: '1' },
  });
  const log = [];
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${log.join('\n')}`)), 30_000);
    child.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${log.join('\n')}`)));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.push(line);
        const m = /listening on (http:\/\/[^\s]+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
    }
  });
  child.removeAllListeners('exit');
  return {
    base,
    dataDir,
    log,
    url: (path) => base + path,
    demoKey: join(dataDir, 'demo-adviser.key'),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await exited;
      }
      await tmp.remove();
    },
  };
}

/** Runs the binary to the end; rejects with its stderr when it fails. */
export function fluister(args, env = {}) {
  return new Promise((ok, fail) => {
    execFile(
      BIN,
      args,
      { env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) fail(new Error(`fluister ${args.join(' ')} failed: ${stderr}`));
        else ok(stdout);
      },
    );
  });
}

/** The adviser's command line against `server`, with one identity and a private cache. */
export async function adviserCli(server, identity, passphrase) {
  const tmp = await tempDir();
  const env = {
    FLUISTER_SERVER: server.base,
    FLUISTER_IDENTITY: identity,
    FLUISTER_CACHE_DIR: join(tmp.dir, 'cache'),
    FLUISTER_PASSPHRASE: passphrase ?? '',
  };
  if (!passphrase) delete env.FLUISTER_PASSPHRASE;
  // Every command signs in once, and sign-ins are limited (20 a minute per key): past it the
  // server says how long to wait, so wait that long and try once more.
  const run = async (args) => {
    try {
      return await fluister(['adviser', ...args], env);
    } catch (e) {
      const wait = /too many sign-in attempts; try again in (\d+) seconds?/.exec(e.message);
      if (!wait) throw e;
      await new Promise((ok) => setTimeout(ok, (Number(wait[1]) + 1) * 1000));
      return fluister(['adviser', ...args], env);
    }
  };
  return {
    run,
    inbox: async () => JSON.parse(await run(['inbox', '--json'])),
    show: async (id) => JSON.parse(await run(['show', id, '--json'])),
    /** The one report of `category` whose text contains `text`. */
    async find(text, category) {
      for (const c of await this.inbox()) {
        if (category && c.category !== category) continue;
        const s = await this.show(c.id);
        if (JSON.stringify(s).includes(text)) return s;
      }
      throw new Error(`no ${category ?? ''} report with ${text}`);
    },
    remove: tmp.remove,
  };
}

// ---------------------------------------------------------------------------------------------
// The browser

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The flags this machine's Chromium needs: no sandbox as root, no GPU, and no calls home
    // (the network is closed; without these it keeps retrying Google's hosts).
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** A pupil's browser: JavaScript off, like a pupil who turned it off or whose phone has none. */
export function pupilContext(browser, size, options = {}) {
  return browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: size.width, height: size.height },
    isMobile: size === PHONE,
    hasTouch: size === PHONE,
    deviceScaleFactor: 1,
    locale: 'nl-NL',
    colorScheme: 'light',
    ...options,
  });
}

/**
 * Checks what `page` shows now against WCAG 2.1 A and AA and fails on any violation:
 * - axe-core (every rule tagged wcag2a, wcag2aa, wcag21a, wcag21aa);
 * - what axe does not check: non-text contrast of text fields and the focus ring (1.4.11), error
 *   messages tied to their fields (3.3.1), and, for pupil pages, reflow at 320 px (1.4.10).
 *
 * axe needs timers, which Chromium does not run in a page with JavaScript off. So for a
 * no-script page, axe runs in a twin: a context with JavaScript on, the same viewport and colour
 * scheme, where the page's current DOM (with what was typed and ticked written into attributes)
 * is served at the same address, and its stylesheet is fetched from the real server. Pages whose
 * context has JavaScript on are checked in place. The other checks run in the page itself.
 */
export async function checkA11y(page, label) {
  const results = await axeIn(page, label);
  const wcag = (v) => v.tags.some((t) => WCAG_TAGS.includes(t));
  const failures = results.violations.filter(wcag);
  for (const v of results.violations.filter((v) => !wcag(v))) noteOnce('best practice', v, label);
  for (const v of results.incomplete.filter(wcag)) noteOnce('needs a person to check', v, label);
  const report = failures
    .map(
      (v) =>
        `  ${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes
          .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`)
          .join('\n'),
    )
    .join('\n');
  assert.equal(failures.length, 0, `axe on ${label} (${page.url()}):\n${report}`);
  assert.deepEqual(results.reflow ?? [], [], `WCAG 1.4.10: ${label} scrolls sideways at 320 px`);
  const contrast = await page.evaluate(nonTextContrast);
  assert.deepEqual(contrast, [], `WCAG 1.4.11 non-text contrast on ${label} (${page.url()})`);
  const untied = await page.evaluate(errorsTiedToFields);
  assert.deepEqual(untied, [], `WCAG 3.3.1 errors not tied to their field on ${label} (${page.url()})`);
  return results;
}

/**
 * A field marked invalid is described by its error message (WCAG 2.1 3.3.1, 1.3.1), so a screen
 * reader says what is wrong when the pupil reaches the field, not only in the list at the top.
 */
function errorsTiedToFields() {
  const problems = [];
  for (const el of document.querySelectorAll('[aria-invalid=true]')) {
    const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    const described = ids.map((id) => document.getElementById(id)).filter(Boolean);
    const errors = [...(el.closest('.field, fieldset')?.querySelectorAll('.error') ?? [])].filter(
      (e) => e !== el && !e.contains(el) && e.textContent.trim(),
    );
    if (errors.length === 0) {
      problems.push(`#${el.id}: marked invalid without a message next to it`);
    } else if (!errors.every((e) => described.includes(e))) {
      problems.push(`#${el.id}: its error "${errors[0].textContent.trim().slice(0, 60)}" is not in aria-describedby`);
    }
  }
  return problems;
}

/**
 * What axe does not check (WCAG 2.1 AA 1.4.11): a text field's edge and the focus ring must
 * stand out 3:1 from what is next to them. Runs inside the page, synchronously, so it works with
 * JavaScript off. Returns one line per failure.
 */
function nonTextContrast() {
  const parse = (c) => {
    const m = /rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)/.exec(c);
    return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : null;
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const luminance = ({ r, g, b }) => {
    const lin = (v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (x, y) => {
    const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (a + 0.05) / (b + 0.05);
  };
  /** The colour behind `el`: its own background laid over its ancestors' ones. */
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a === 1) break;
      }
    }
    return layers.reduceRight((acc, c) => over(c, acc), { r: 255, g: 255, b: 255, a: 1 });
  };
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const name = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : el.className ? `.${String(el.className).split(' ')[0]}` : '');
  const problems = [];
  const outside = (el) => background(el.parentElement);

  // Text fields: the border, or the field's own fill, must show where the field is.
  for (const el of document.querySelectorAll('input[type=text], input[type=password], input:not([type]), textarea')) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    const out = outside(el);
    const fill = background(el);
    const border = parse(style.borderTopColor);
    const edge = border && parseFloat(style.borderTopWidth) > 0 ? ratio(over(border, out), out) : 1;
    const own = ratio(fill, out);
    const inner = border ? ratio(over(border, fill), fill) : 1;
    if (Math.max(edge, own, inner) < 3) {
      problems.push(`${name(el)}: edge ${edge.toFixed(2)}:1, fill ${own.toFixed(2)}:1 (needs 3:1)`);
    }
  }

  // The focus ring, drawn outside the control, against what surrounds it.
  const focusable = [
    ...document.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]):not(.reveal), textarea, select'),
  ].filter(visible);
  const seen = new Set();
  const before = document.activeElement;
  for (const el of focusable) {
    const key = `${el.tagName}.${el.className}.${el.type ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    el.focus({ preventScroll: true });
    const style = getComputedStyle(el);
    const ring = parse(style.outlineColor);
    const width = style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth);
    if (!ring || width < 2) {
      problems.push(`${name(el)}: no focus ring (outline ${style.outlineStyle} ${style.outlineWidth})`);
      continue;
    }
    const out = outside(el);
    const r = ratio(over(ring, out), out);
    if (r < 3) problems.push(`${name(el)}: focus ring ${r.toFixed(2)}:1 against its surroundings (needs 3:1)`);
  }
  if (before && before.focus) before.focus({ preventScroll: true });
  else document.activeElement?.blur?.();
  return problems;
}

/** What axe said that does not fail a page, once per rule: printed by `axeNotes()`. */
const notes = new Map();

function noteOnce(kind, v, label) {
  const key = `${kind}: ${v.id}`;
  if (!notes.has(key)) {
    const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ');
    notes.set(key, `${key} (${v.help}) first on ${label}: ${where}`);
  }
}

/** axe's findings that did not fail the suite (best practice, or needing a person), one a line. */
export function axeNotes() {
  return [...notes.values()];
}

async function axeIn(page, label) {
  if (await scriptsRun(page)) return runAxe(page);
  const html = await page.evaluate(snapshotWithState);
  const url = page.url();
  const browser = page.context().browser();
  const viewport = page.viewportSize();
  const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  const twin = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    colorScheme: dark ? 'dark' : 'light',
  });
  try {
    const p = await twin.newPage();
    await p.route(url, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
    );
    await p.goto(url);
    const results = await runAxe(p);
    // WCAG 2.1 1.4.10 (reflow): at 320 CSS pixels wide (a 1280 px screen at 400 % zoom) the
    // page reads without scrolling sideways.
    await p.setViewportSize({ width: 320, height: 640 });
    results.reflow = await p.evaluate(() => {
      const root = document.documentElement;
      if (root.scrollWidth <= root.clientWidth) return [];
      return [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}`);
    });
    return results;
  } catch (e) {
    throw new Error(`axe could not run on ${label}: ${e.message}`);
  } finally {
    await twin.close();
  }
}

async function scriptsRun(page) {
  return Promise.race([
    page.evaluate(() => new Promise((ok) => setTimeout(() => ok(true), 0))),
    new Promise((ok) => setTimeout(() => ok(false), 500)),
  ]);
}

async function runAxe(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(
    (tags) =>
      window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations', 'incomplete'],
      }),
    [...WCAG_TAGS, 'best-practice'],
  );
}

/** The page's HTML with each control's current state written into its attributes. */
function snapshotWithState() {
  const clone = document.documentElement.cloneNode(true);
  const live = document.querySelectorAll('input, textarea, select');
  const copies = clone.querySelectorAll('input, textarea, select');
  live.forEach((el, i) => {
    const c = copies[i];
    if (el.type === 'checkbox' || el.type === 'radio') {
      c.toggleAttribute('checked', el.checked);
    } else if (el.tagName === 'TEXTAREA') {
      c.textContent = el.value;
    } else if (el.type !== 'file') {
      c.setAttribute('value', el.value);
    }
  });
  return '<!DOCTYPE html>\n' + clone.outerHTML;
}

/** A screenshot into FLUISTER_SCREENSHOTS, when set. */
export async function screenshot(page, name, options = {}) {
  if (!SCREENSHOTS) return;
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), ...options });
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/** A PNG "screenshot" of a chat: `width`×`height`, coloured bands, made here, no tool needed. */
export function pngScreenshot(width = 360, height = 640) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    const band = Math.floor(y / 40) % 3;
    for (let x = 0; x < width; x++) {
      const bubble = band !== 0 && x > 20 && x < width - 60;
      const o = row + 1 + x * 3;
      raw[o] = bubble ? 220 : 40 + band * 60;
      raw[o + 1] = bubble ? 240 : 90;
      raw[o + 2] = bubble ? 200 : 160 - band * 30;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
