// Accessibility, measured: axe-core (npm, run inside the page) checks every page of the three
// bundles against WCAG 2.1 A/AA (labels, names, roles, contrast, landmarks, language), at
// desktop size and for the counterparty's pages at phone size; and a keyboard-only walk through
// the login form and the signing page's answer checks focus order and that focus is visible.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, apiSession, approveAndSend, launchBrowser, login, openPage, waitForMail } from './steps.mjs';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata', 'pdf-corpus');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Waits for the page to settle, runs axe-core and returns its violations as readable lines. */
async function violations(page) {
  await page.waitForLoadState('networkidle');
  await page.getByText('読み込み中です…').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {});
  // Evaluated through the DevTools protocol: the app's CSP (no inline script) does not apply.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), WCAG);
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.split('\n').slice(0, 2).join(' ')}`),
  );
}

/** The element that has focus: its tag, accessible label or text, and whether focus shows. */
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const label = el.labels?.[0]?.textContent ?? el.getAttribute('aria-label') ?? el.textContent;
    return {
      tag: el.tagName.toLowerCase(),
      // Without the 必須 (required) mark the label carries.
      label: (label ?? '').trim().replace(/\s*必須$/, ''),
      visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none',
    };
  });
}

test('every page passes axe-core WCAG 2.1 AA, on desktop and (public pages) on a phone', async (t) => {
  const stamp = Date.now().toString(36);
  const recipient = { org: '株式会社アクセス', name: '鈴木 一郎', email: `suzuki.${stamp}@example.co.jp` };
  // A contract with a stamp, a document and a recipient, sent: every part of every page shows.
  const admin = await apiSession(browser, ADMIN);
  const c = await admin.call('POST', '/contracts', {
    title: `アクセシビリティ確認 ${stamp}`,
    counterparty_name: recipient.org,
    amount_yen: 500000,
    stamp: { page: 1, x: 330, y: 40, width: 230, height: 80 },
  });
  await admin.call('POST', `/contracts/${c.id}/documents?role=main&file_name=a11y.pdf`, readFileSync(join(CORPUS, 'libreoffice-ja-contract.pdf')));
  await admin.call('PUT', `/contracts/${c.id}/recipients`, {
    recipients: [{ organization_name: recipient.org, name: recipient.name, email: recipient.email }],
  });
  const draft = c.id;
  const sent = await admin.call('POST', '/contracts', { title: `送信済み ${stamp}`, counterparty_name: recipient.org });
  await admin.call('POST', `/contracts/${sent.id}/documents?role=main&file_name=sent.pdf`, readFileSync(join(CORPUS, 'libreoffice-ja-contract.pdf')));
  await admin.call('PUT', `/contracts/${sent.id}/recipients`, {
    recipients: [{ organization_name: recipient.org, name: recipient.name, email: recipient.email }],
  });
  await approveAndSend(browser, admin, sent.id, { loginId: `a11y.${stamp}` });
  await admin.context.close();
  const token = (await waitForMail(recipient.email, /\/sign\/([A-Za-z0-9_-]+)/)).match[1];

  const found = {};
  const desk = await openPage(browser);
  found['/login'] = await (async () => {
    await desk.page.goto('/login');
    return violations(desk.page);
  })();
  await login(desk.page, ADMIN);
  const pages = [
    '/',
    '/contracts',
    '/contracts/new',
    `/contracts/${draft}`,
    `/contracts/${draft}/edit`,
    `/contracts/${sent.id}`,
    '/approvals',
    '/users',
    '/users/new',
    '/departments',
    '/address-book',
    '/settings',
    '/settings/trust',
    '/route-templates',
    '/audit-log',
    '/account',
    '/dispositions',
    '/exports',
    '/reports',
    '/notices',
  ];
  for (const path of pages) {
    await desk.page.goto(path);
    await desk.page.getByRole('heading', { level: 1 }).first().waitFor();
    found[path] = await violations(desk.page);
  }
  // The open document viewer and the stamp on its page.
  await desk.page.goto(`/contracts/${draft}/edit`);
  await desk.page.locator('.stamp-box').waitFor();
  found['edit with stamp picker'] = await violations(desk.page);
  await desk.page.goto(`/contracts/${draft}`);
  await desk.page.getByRole('button', { name: 'プレビュー', exact: true }).first().click();
  await desk.page.locator('canvas.pdf-page[data-rendered="true"]').first().waitFor();
  found['detail with preview'] = await violations(desk.page);
  await desk.context.close();

  const phone = await openPage(browser, { phone: true });
  for (const path of ['/verify', '/trust', `/sign/${token}`]) {
    await phone.page.goto(path);
    await phone.page.getByRole('heading', { level: 1 }).first().waitFor();
    found[`${path} (phone)`] = await violations(phone.page);
  }
  await phone.context.close();

  const failing = Object.entries(found).filter(([, v]) => v.length > 0);
  for (const [path, v] of failing) t.diagnostic(`${path}:\n  ${v.join('\n  ')}`);
  t.diagnostic(`axe-core ${JSON.parse(readFileSync(createRequire(import.meta.url).resolve('axe-core/package.json'), 'utf8')).version}: ${Object.keys(found).length} pages checked`);
  assert.deepEqual(failing.map(([p]) => p), [], 'pages with WCAG 2.1 AA violations');
});

test('the login form and the menu can be used with the keyboard alone, with focus visible', async () => {
  const { page, context, errors } = await openPage(browser);
  await page.goto('/login');
  await page.getByLabel('団体コード').waitFor();
  await page.getByLabel('団体コード').focus();
  const order = [];
  for (let n = 0; n < 4; n++) {
    const f = await focused(page);
    order.push(f.label);
    assert.ok(f.visible, `focus is visible on ${f.tag} ${f.label}`);
    if (f.tag === 'button') break;
    await page.keyboard.type(
      { 団体コード: ADMIN.tenant, ログインID: ADMIN.loginId, パスワード: ADMIN.password }[f.label] ?? '',
    );
    await page.keyboard.press('Tab');
  }
  assert.deepEqual(order.slice(0, 3), ['団体コード', 'ログインID', 'パスワード']);
  assert.match(order.at(-1), /ログインする/);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'ログアウトする' }).waitFor();

  // From the top of the page, Tab reaches the main menu's 契約一覧; Enter follows it.
  await page.locator('body').focus();
  let reached = null;
  for (let n = 0; n < 30; n++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    assert.ok(f.visible, `focus is visible on ${f.tag} ${f.label}`);
    if (f.tag === 'a' && f.label === '契約一覧') {
      reached = n + 1;
      break;
    }
  }
  assert.ok(reached, 'the menu entry 契約一覧 is reachable by Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: '契約一覧' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});
