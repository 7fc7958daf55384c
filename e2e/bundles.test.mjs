// The browser bundles (shared/src/bundle.rs): a cold load of one page of each bundle, which the
// server must answer with that bundle's HTML and whose router must draw it (a wrong table
// shows the 404 page or reloads without end), and the menu's links from one bundle into
// another (a full page load). Prints each first screen's time, from navigation start to the
// page's heading drawn, by the browser's own clock; nothing here asserts a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, launchBrowser, login, openMenu, openPage } from './steps.mjs';

let browser;
before(async () => {
  assert.ok(ADMIN.password, 'TACHIAI_ADMIN_PASSWORD must be set (e2e/run.sh does)');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Opens `path` with a fresh load and waits for the level-1 `heading`; returns the ms from
 * navigation start until then and the wasm file the page loaded. */
async function coldLoad(page, path, heading) {
  const wasm = [];
  const onResponse = (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname);
  };
  page.on('response', onResponse);
  await page.goto(path);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  const ms = await page.evaluate(() => Math.round(performance.now()));
  page.off('response', onResponse);
  return { ms, wasm };
}

test('each bundle draws its own pages on a cold load', async (t) => {
  const { context, page, errors } = await openPage(browser);
  // Logged out: the staff bundle's login page, and the public verification page.
  const first = await coldLoad(page, '/login', 'ログイン');
  t.diagnostic(`first screen, /login (staff bundle ${first.wasm.join(', ')}): ${first.ms} ms`);
  const verify = await coldLoad(page, '/verify', '電子署名の検証');
  t.diagnostic(`first screen, /verify (public bundle ${verify.wasm.join(', ')}): ${verify.ms} ms`);
  assert.notDeepEqual(first.wasm, verify.wasm, 'the public page loads its own bundle');

  await login(page, ADMIN);
  const pages = [
    ['/contracts', '契約一覧'],
    ['/contracts/new', '契約の新規作成'],
    ['/users', '利用者'],
    ['/settings', '設定'],
    ['/account', 'アカウント'],
    ['/audit-log', '操作ログ'],
    ['/templates', '契約書のひな形'],
  ];
  const seen = new Set();
  for (const [path, heading] of pages) {
    const { ms, wasm } = await coldLoad(page, path, heading);
    assert.equal(wasm.length, 1, `${path} loads one wasm bundle`);
    seen.add(wasm[0]);
    t.diagnostic(`first screen, ${path} (${wasm[0]}): ${ms} ms`);
    assert.equal(new URL(page.url()).pathname, path, `${path} stays at its address`);
  }
  // contracts, editor, admin, settings, records and templates: six bundles behind the login.
  assert.equal(seen.size, 6, `one bundle each: ${[...seen].join(', ')}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the menu crosses from one bundle into another', async () => {
  const { context, page, errors } = await openPage(browser);
  await login(page, ADMIN);
  await openMenu(page, '新規作成', '契約の新規作成');
  await openMenu(page, '利用者');
  await openMenu(page, '操作ログ');
  await openMenu(page, '設定');
  await openMenu(page, '契約一覧');
  assert.deepEqual(errors, []);
  await context.close();
});
