// Foundation browser test: the admin logs in on the Japanese login page, creates a
// department and a staff user in it, logs out; the user logs in and sees the shell. Failure
// paths: a wrong password shows the Japanese message. The user then turns on TOTP and logs in
// through the 確認コード step. Any page error or unexpected console
// error fails the test. Every page is saved at 1366×768 and 390×844 in e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN,
  changePasswordIfRequired,
  createDepartment,
  createOrganization,
  createUser,
  launchBrowser,
  login,
  loginWithTotp,
  logout,
  openLogin,
  openMenu,
  openPage,
  screenshot,
  setUpTotp,
  submitLogin,
} from './steps.mjs';

let browser;
before(async () => {
  assert.ok(ADMIN.password, 'TACHIAI_ADMIN_PASSWORD must be set (e2e/run.sh does)');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('a wrong password shows the Japanese error and no session', async (t) => {
  const { context, page, errors, consoleErrors } = await openPage(browser);
  const started = Date.now();
  await openLogin(page);
  // Cold load: HTML, CSS, JS and wasm fetched, compiled, session probed, login page drawn.
  t.diagnostic(`first render of the login page: ${Date.now() - started} ms`);
  // Nobody is logged in yet: the session probe says so without an error status.
  assert.deepEqual(consoleErrors, [], 'a cold load logs no console error');
  assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
  await screenshot(page, '01-login');
  await submitLogin(page, { ...ADMIN, password: 'wrong-password-123' });
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /ログインできませんでした。団体コード、ログインID、パスワードが正しくないか、アカウントが現在ログインできない状態です。/);
  assert.ok(new URL(page.url()).pathname.startsWith('/login'));
  await screenshot(page, '02-login-wrong-password');

  // The English switch, remembered across a reload, and back.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.reload();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await screenshot(page, '01-login-english');
  await page.getByRole('button', { name: '日本語' }).click();
  await page.getByRole('heading', { name: 'ログイン' }).waitFor();

  // Client-side validation with the shared parsers: nothing is sent for an empty form.
  await page.getByLabel('団体コード').fill('');
  await page.getByRole('button', { name: 'ログインする' }).click();
  await page.locator('#tenant_code-error', { hasText: '入力してください。' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('admin creates a department and a staff user; the user logs in and sees the shell', async () => {
  const stamp = Date.now().toString(36);
  const dept = `契約課${stamp}`;
  const user = {
    loginId: `tanaka.${stamp}`,
    name: '田中 花子',
    email: `tanaka.${stamp}@city.example.lg.jp`,
    department: dept,
    roles: ['担当者'],
    password: `Keiyaku-2026-${stamp}x`,
  };

  const { context, page, errors } = await openPage(browser);
  await login(page, ADMIN);
  ADMIN.password = await changePasswordIfRequired(page, ADMIN.password, `${ADMIN.password}-2`);
  await openMenu(page, 'ホーム');
  assert.match(await page.locator('.app-header').textContent(), /ログアウトする/);
  // The development seal is announced on every staff page.
  assert.match(
    await page.locator('.development-seal').textContent(),
    /開発用の電子署名鍵で署名しています。本番運用には正式な署名鍵を設定してください。/,
  );
  await screenshot(page, '03-home-admin');

  await createDepartment(page, { name: `総務部${stamp}`, code: `S${stamp}` });
  await createDepartment(page, { name: dept, parent: `総務部${stamp}` });
  await screenshot(page, '04-departments');

  const password = await createUser(page, user);
  assert.equal(password, user.password);
  await screenshot(page, '05-user-created');

  await openMenu(page, '利用者');
  await page.getByRole('link', { name: user.name }).first().waitFor();
  await screenshot(page, '06-users');
  await page.getByRole('link', { name: user.name }).first().click();
  await page.getByRole('heading', { level: 1, name: '利用者の編集' }).waitFor();
  assert.equal(await page.locator('#name').inputValue(), user.name);
  await screenshot(page, '07-user-edit');

  await createOrganization(page, {
    name: `株式会社テスト商事${stamp}`,
    kana: 'カブシキガイシャテストショウジ',
    phone: '025-000-0000',
    contact: { name: '山田 太郎', email: `yamada.${stamp}@example.co.jp`, division: '営業部' },
  });
  await screenshot(page, '08-organization');
  await openMenu(page, 'アドレス帳');
  await screenshot(page, '09-address-book');

  await openMenu(page, '設定');
  await page.locator('#tenant-name').waitFor();
  // The contract settings come with the tenant's values; saving them unchanged is accepted.
  assert.match(await page.locator('#number-pattern').inputValue(), /\{seq/);
  assert.match(await page.locator('#link-expiry').inputValue(), /^\d+$/);
  assert.match(await page.locator('#retention-years').inputValue(), /^\d+$/);
  await page.getByLabel('一覧や文書の日付を和暦で表示する（令和8年4月1日）').waitFor();
  await page.getByRole('button', { name: '保存する' }).first().click();
  await page.getByText('保存しました。').waitFor();
  // The seal and TSA in use: the development PKI here, with its certificates' validity.
  await page.getByRole('heading', { name: '電子署名・タイムスタンプの証明書' }).waitFor();
  await page.getByText(/開発用の証明書です。/).waitFor();
  await page.getByRole('heading', { name: '電子署名の証明書', exact: true }).waitFor();
  assert.match(await page.locator('.seal-facts').first().textContent(), /あと\d+日/);
  await screenshot(page, '10-settings');
  await openMenu(page, '操作ログ');
  await page.locator('table.list').waitFor();
  await screenshot(page, '11-audit-log');
  await openMenu(page, 'アカウント');
  await screenshot(page, '12-account');

  await logout(page);
  assert.deepEqual(errors, []);
  await context.close();

  // The new user, in a fresh browser.
  const second = await openPage(browser);
  await login(second.page, { tenant: 'dev', loginId: user.loginId, password: user.password });
  const current = await changePasswordIfRequired(second.page, user.password, `${user.password}-new1`);
  await openMenu(second.page, 'ホーム');
  const header = await second.page.locator('.app-header').textContent();
  assert.match(header, new RegExp(user.name));
  const menu = second.page.getByRole('navigation', { name: 'メインメニュー' });
  assert.equal(await menu.getByRole('link', { name: 'アドレス帳', exact: true }).count(), 1);
  assert.equal(await menu.getByRole('link', { name: '利用者', exact: true }).count(), 0, 'staff must not see user admin');
  assert.match(await second.page.locator('main').textContent(), /担当者/);
  await screenshot(second.page, '13-home-staff');

  // A reload keeps the session (GET /auth/session at start-up).
  await second.page.reload();
  await second.page.getByRole('button', { name: 'ログアウトする' }).waitFor();

  // An API token: issued with one permission, its secret shown once, then revoked.
  await openMenu(second.page, 'アカウント');
  const tokens = second.page
    .locator('section.card')
    .filter({ has: second.page.getByRole('heading', { name: 'APIトークン', exact: true }) });
  await tokens.getByRole('button', { name: '発行する', exact: true }).click();
  await tokens.getByText('1つ以上選択してください。').waitFor();
  await tokens.getByLabel('名称').fill('文書管理システム連携');
  await tokens.locator('fieldset input[type=checkbox]').first().check();
  await tokens.getByRole('button', { name: '発行する', exact: true }).click();
  const secretField = tokens.locator('#token-secret');
  await secretField.waitFor();
  const tokenSecret = await secretField.inputValue();
  assert.match(tokenSecret, /^tachiai_[A-Za-z0-9_-]{43}$/);
  await tokens.getByText(/このトークンは今だけ表示されます/).waitFor();
  const tokenRow = tokens.locator('table.tokens tbody tr', { hasText: '文書管理システム連携' });
  await tokenRow.getByText('有効', { exact: true }).waitFor();
  await screenshot(second.page, 'k01-api-token-issued');
  // Once the page is left, the secret is gone for good.
  await second.page.reload();
  await tokenRow.waitFor();
  assert.equal(await second.page.locator('#token-secret').count(), 0);
  assert.ok(!(await second.page.locator('main').textContent()).includes(tokenSecret));
  // openPage accepts the confirmation dialog.
  await tokenRow.getByRole('button', { name: /失効させる/ }).click();
  await tokenRow.getByText('失効', { exact: true }).waitFor();
  assert.equal(await tokenRow.getByRole('button').count(), 0);
  await screenshot(second.page, 'k02-api-tokens');

  // The user turns on TOTP; the next login asks for the 確認コード.
  const secret = await setUpTotp(second.page, {
    whenShown: () => screenshot(second.page, '14-account-totp-setup'),
  });
  await logout(second.page);
  await loginWithTotp(second.page, { tenant: 'dev', loginId: user.loginId, password: current }, secret, {
    whenAsked: () => screenshot(second.page, '15-login-totp-step'),
  });
  assert.match(await second.page.locator('.app-header').textContent(), new RegExp(user.name));
  await logout(second.page);
  assert.deepEqual(second.errors, []);
  await second.context.close();
});

test('a generated initial password is shown once and must be changed at first login', async () => {
  const stamp = Date.now().toString(36);
  const admin = await openPage(browser);
  await login(admin.page, ADMIN);
  const initial = await createUser(admin.page, {
    loginId: `sato.${stamp}`,
    name: '佐藤 次郎',
    email: `sato.${stamp}@city.example.lg.jp`,
    roles: ['閲覧者'],
  });
  assert.match(initial, /^\S{12,}$/);
  await screenshot(admin.page, '16-user-created-generated-password');
  await logout(admin.page);
  assert.deepEqual(admin.errors, []);
  await admin.context.close();

  const { context, page, errors } = await openPage(browser);
  await login(page, { tenant: 'dev', loginId: `sato.${stamp}`, password: initial });
  await page.waitForURL('**/account');
  await page.getByText('パスワードの変更が必要です。').first().waitFor();
  const menu = page.getByRole('navigation', { name: 'メインメニュー' });
  assert.equal(await menu.getByRole('link', { name: 'ホーム', exact: true }).count(), 0, 'only the account page until the change');
  await screenshot(page, '17-account-must-change');

  // The shared password policy refuses a weak password before anything is sent.
  await page.locator('#current_password').fill(initial);
  await page.locator('#new_password').fill('short1');
  await page.locator('#new_password_confirm').fill('short1');
  await page.getByRole('button', { name: 'パスワードを変更する' }).click();
  await page.locator('#new_password-error', { hasText: '12文字以上' }).waitFor();

  await changePasswordIfRequired(page, initial, `Sato-Keiyaku-${stamp}-9`);
  await menu.getByRole('link', { name: 'ホーム', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'ホーム' }).waitFor();
  assert.match(await page.locator('main').textContent(), /閲覧者/);
  await logout(page);
  assert.deepEqual(errors, []);
  await context.close();
});
