// One helper per user step, shared by the browser tests. Selectors are the labels and
// button texts a person sees (Japanese), so the tests also check the wording.
import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE_URL = process.env.TACHIAI_URL ?? 'http://127.0.0.1:8080';
export const ADMIN = {
  tenant: 'dev',
  loginId: 'admin',
  password: process.env.TACHIAI_ADMIN_PASSWORD ?? '',
};
export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
mkdirSync(SHOTS, { recursive: true });

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.TACHIAI_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Chromium logs every non-2xx answer as a console error; these are the ones a test provokes on
// purpose (a wrong password or code). Everything else fails the test.
const EXPECTED_CONSOLE = [/Failed to load resource: the server responded with a status of 401/];

/** A fresh browser context and page; `errors` collects page errors and unexpected console
 * errors, `consoleErrors` every console error (expected ones too). */
export async function openPage(browser, { phone = false } = {}) {
  const context = await browser.newContext({
    viewport: phone ? PHONE : DESKTOP,
    locale: 'ja-JP',
    baseURL: BASE_URL,
    acceptDownloads: true,
    ...(phone ? { isMobile: true, hasTouch: true } : {}),
  });
  const page = await context.newPage();
  const errors = [];
  const consoleErrors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    consoleErrors.push(m.text());
    if (!EXPECTED_CONSOLE.some((re) => re.test(m.text()))) {
      errors.push(`console: ${m.text()}`);
    }
  });
  page.on('dialog', (d) => d.accept());
  return { context, page, errors, consoleErrors };
}

/** Saves the page at desktop and phone size: screenshots/<name>-desktop.png, -phone.png;
 * then returns to `restore` (desktop unless told). */
export async function screenshot(page, name, { restore = DESKTOP, settle = 0 } = {}) {
  await page.setViewportSize(DESKTOP);
  if (settle) await page.waitForTimeout(settle);
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  // Pages that redraw on resize (a PDF page drawn to fit) get `settle` ms to do so.
  if (settle) await page.waitForTimeout(settle);
  await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(restore);
}

/** Opens the app and waits for the Japanese login page. */
export async function openLogin(page) {
  await page.goto('/');
  await page.waitForURL('**/login');
  await page.getByRole('heading', { name: 'ログイン' }).waitFor();
}

/** Fills the login form and submits it; does not wait for the outcome. */
export async function submitLogin(page, { tenant, loginId, password }) {
  await page.getByLabel('団体コード').fill(tenant);
  await page.getByLabel('ログインID').fill(loginId);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログインする' }).click();
}

/** Logs in and waits for the shell (home, or the account page when a change is due). */
export async function login(page, who) {
  await openLogin(page);
  await submitLogin(page, who);
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await page.getByRole('button', { name: 'ログアウトする' }).waitFor();
}

/** When the account page demands a new password, sets it; returns the password in force. */
export async function changePasswordIfRequired(page, current, next) {
  if (!new URL(page.url()).pathname.startsWith('/account')) return current;
  const demand = page.getByText('パスワードの変更が必要です。').first();
  if (!(await demand.isVisible())) return current;
  await page.locator('#current_password').fill(current);
  await page.locator('#new_password').fill(next);
  await page.locator('#new_password_confirm').fill(next);
  await page.getByRole('button', { name: 'パスワードを変更する' }).click();
  await page.getByText('パスワードを変更しました。').waitFor();
  return next;
}

/** Clicks a menu entry and waits for its page heading. */
export async function openMenu(page, label, heading = label) {
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Adds a department (optionally under a parent) on the 所属 page. */
export async function createDepartment(page, { name, code, parent }) {
  await openMenu(page, '所属');
  await page.locator('#new-dept-name').fill(name);
  if (code) await page.locator('#new-dept-code').fill(code);
  if (parent) await page.locator('#new-dept-parent').selectOption({ label: parent });
  await page.getByRole('button', { name: '追加する' }).click();
  await page.getByText('所属を追加しました。').waitFor();
  await page.locator('.tree-name', { hasText: name }).waitFor();
}

/** Adds a user on the 利用者 page; returns the initial password shown (or the chosen one). */
export async function createUser(page, { loginId, name, email, department, roles = ['担当者'], password }) {
  await openMenu(page, '利用者');
  await page.getByRole('link', { name: '利用者を追加する' }).click();
  await page.getByRole('heading', { level: 1, name: '利用者の追加' }).waitFor();
  await page.locator('#login_id').fill(loginId);
  await page.locator('#name').fill(name);
  await page.locator('#email').fill(email);
  if (department) {
    // Options are indented by depth with full-width spaces.
    const option = page.locator('#department_id option', { hasText: department });
    await page.locator('#department_id').selectOption(await option.first().getAttribute('value'));
  }
  for (const role of ['管理者', '承認者', '担当者', '閲覧者']) {
    const box = page.getByRole('group', { name: /役割/ }).getByLabel(role, { exact: true });
    if (roles.includes(role)) await box.check();
    else await box.uncheck();
  }
  if (password) await page.locator('#password').fill(password);
  await page.getByRole('button', { name: '登録する' }).click();
  await page.getByRole('status').filter({ hasText: '利用者を登録しました。' }).first().waitFor();
  if (password) return password;
  return (await page.locator('#initial-password').textContent()).trim();
}

/** Adds an organisation and one contact in the アドレス帳. */
export async function createOrganization(page, { name, kana, phone, contact }) {
  await openMenu(page, 'アドレス帳');
  await page.getByRole('link', { name: '取引先を追加する' }).click();
  await page.locator('#org-name').fill(name);
  if (kana) await page.locator('#org-kana').fill(kana);
  if (phone) await page.locator('#org-phone').fill(phone);
  await page.getByRole('button', { name: '登録する' }).click();
  await page.getByText('取引先を追加しました。').waitFor();
  if (contact) {
    await page.locator('#new-contact-name').fill(contact.name);
    await page.locator('#new-contact-email').fill(contact.email);
    if (contact.division) await page.locator('#new-contact-division').fill(contact.division);
    await page.getByRole('button', { name: '追加する' }).click();
    await page.locator('.contact-name', { hasText: contact.name }).waitFor();
  }
}

/** Logs out and waits for the login page. */
export async function logout(page) {
  await page.getByRole('button', { name: 'ログアウトする' }).click();
  await page.waitForURL('**/login');
  await page.getByRole('heading', { name: 'ログイン' }).waitFor();
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret, as an authenticator app computes it. */
export function totp(secretBase32, unixMillis = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretBase32.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixMillis / 1000 / 30)));
  const digest = createHmac('sha1', key).update(counter).digest();
  const offset = digest[19] & 0x0f;
  const bin = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}

/** On the account page: starts the TOTP set-up, reads the secret, enables it with a code. */
export async function setUpTotp(page, { whenShown } = {}) {
  await openMenu(page, 'アカウント');
  await page.getByRole('button', { name: '設定を始める' }).click();
  await page.getByRole('img', { name: '二段階認証を設定するためのQRコード' }).waitFor();
  const secret = (await page.locator('#totp-secret').textContent()).trim();
  if (whenShown) await whenShown();
  await page.locator('#totp-code').fill(totp(secret));
  await page.getByRole('button', { name: '二段階認証を有効にする' }).click();
  await page.getByText('二段階認証を有効にしました。').waitFor();
  return secret;
}

/** Logs in through the 確認コード step. The code of the next 30 s step is used, because the
 * server refuses a step at or before the one already used (replay protection). */
export async function loginWithTotp(page, who, secret, { whenAsked } = {}) {
  await openLogin(page);
  await submitLogin(page, who);
  await page.getByRole('heading', { name: '確認コードの入力' }).waitFor();
  if (whenAsked) await whenAsked();
  await page.getByLabel('確認コード').fill(totp(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: '確認する' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await page.getByRole('button', { name: 'ログアウトする' }).waitFor();
}

// ---- Mail: the server's file outbox (<data_dir>/outbox/*.eml), read as a recipient would. ----

export const OUTBOX = process.env.TACHIAI_E2E_OUTBOX ?? '';

function decodeQuotedPrintable(text) {
  const bytes = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let k = 0; k < soft.length; k++) {
    const c = soft[k];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(k + 1, k + 3))) {
      bytes.push(parseInt(soft.slice(k + 1, k + 3), 16));
      k += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The decoded text/plain parts of a raw RFC 5322 message (multipart, base64 or QP). */
export function mailText(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name) => (head.match(new RegExp(`^${name}:\\s*(.*)$`, 'im')) ?? [])[1] ?? '';
  const type = header('Content-Type').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = header('Content-Type').match(/boundary="?([^";]+)"?/i)?.[1];
    if (!boundary) return '';
    return body
      .split(`--${boundary}`)
      .slice(1)
      .filter((part) => !part.startsWith('--'))
      .map((part) => mailText(part.replace(/^\r?\n/, '')))
      .join('\n');
  }
  if (type && !type.startsWith('text/plain')) return '';
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** Every mail to `address` in the outbox, oldest first: { file, text }. */
export function mailsTo(address) {
  if (!OUTBOX || !existsSync(OUTBOX)) return [];
  return readdirSync(OUTBOX)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => ({ file: f, raw: readFileSync(join(OUTBOX, f), 'utf8') }))
    .filter(({ raw }) => {
      const to = raw.match(/^To:(.*(?:\r?\n[ \t].*)*)/im)?.[1] ?? '';
      return to.toLowerCase().includes(address.toLowerCase());
    })
    .map(({ file, raw }) => ({ file, text: mailText(raw) }));
}

/** Waits (the mail goes through the job queue) for a new mail to `address` whose text
 * matches `pattern`, newer than the mails listed in `seen`; returns the match. */
export async function waitForMail(address, pattern, { seen = [], timeout = 30_000 } = {}) {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    const fresh = mailsTo(address).filter((m) => !seen.includes(m.file));
    for (const m of fresh.reverse()) {
      const found = m.text.match(pattern);
      if (found) return { file: m.file, match: found, text: m.text };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no mail to ${address} matching ${pattern} within ${timeout} ms`);
}

// ---- The JSON API directly, to set up what a test does not walk through in the browser. ----

/** Logs in through the API in a fresh context; returns { context, call(method, path, body) }.
 * `body` is JSON, or a Buffer sent as application/pdf. Problems throw with their detail_ja. */
export async function apiSession(browser, { tenant, loginId, password }) {
  const context = await browser.newContext({ baseURL: BASE_URL });
  const login = await context.request.post('/api/v1/auth/login', {
    data: { tenant_code: tenant, login_id: loginId, password },
  });
  if (!login.ok()) throw new Error(`API login failed: ${login.status()} ${await login.text()}`);
  const { csrf_token: csrf } = await login.json();
  async function call(method, path, body) {
    const headers = { 'X-CSRF-Token': csrf, Origin: BASE_URL };
    const options = { method, headers };
    if (Buffer.isBuffer(body)) {
      headers['Content-Type'] = 'application/pdf';
      options.data = body;
    } else if (body !== undefined) {
      options.data = body;
    }
    const res = await context.request.fetch(`/api/v1${path}`, options);
    const text = await res.text();
    if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${text}`);
    return text ? JSON.parse(text) : null;
  }
  return { context, call };
}

/** Waits until the document viewer in `scope` has drawn its first page, and returns the share
 * of that page's pixels that are not white (a drawn contract has text on it). */
export async function viewerInk(scope) {
  const canvas = scope.locator('canvas.pdf-page[data-rendered="true"]').first();
  await canvas.waitFor({ timeout: 30_000 });
  return canvas.evaluate((c) => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) ink++;
    }
    return ink / (data.length / 4);
  });
}

/** Drops a file onto an element as a person dragging it from the desktop would. */
export async function dropFile(page, target, path, type = 'application/pdf') {
  const bytes = readFileSync(path).toString('base64');
  const name = path.split('/').pop();
  const transfer = await page.evaluateHandle(
    ({ bytes, name, type }) => {
      const raw = Uint8Array.from(atob(bytes), (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([raw], name, { type }));
      return dt;
    },
    { bytes, name, type },
  );
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
}

/** Approval is required by default: adds an approver (`loginId`), sets a one-step route on
 * contract `id`, submits, approves as that approver and sends — all through the API, as the
 * setup of tests about what comes after. `admin` is an `apiSession`. */
export async function approveAndSend(browser, admin, id, { loginId, name = '承認 三郎', step = '課長決裁' }) {
  const password = `Approve-2026-${Date.now().toString(36)}x`;
  const boss = await admin.call('POST', '/users', {
    login_id: loginId,
    name,
    email: `${loginId}@city.example.lg.jp`,
    roles: ['approver'],
    password,
  });
  await admin.call('PUT', `/contracts/${id}/approval-route`, {
    steps: [{ name: step, rule: 'any', approver_ids: [boss.user.id] }],
  });
  await admin.call('POST', `/contracts/${id}/submit`, {});
  const approving = await apiSession(browser, { tenant: ADMIN.tenant, loginId, password });
  await approving.call('POST', `/contracts/${id}/approve`, {});
  await approving.context.close();
  await admin.call('POST', `/contracts/${id}/send`, {});
}
