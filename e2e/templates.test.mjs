// Document templates (ひな形) and bulk sending (一括送信) in the browser: a template is
// registered with its PDF and approval route on the templates page, a contract is made from it
// on the new-contract page (「ひな形から作成」), and a small CSV is bulk sent with its progress
// followed to the end. Every page is saved at 1366×768.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN, apiSession, launchBrowser, login, openPage, screenshot } from './steps.mjs';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata', 'pdf-corpus');

let browser;
before(async () => {
  assert.ok(ADMIN.password, 'TACHIAI_ADMIN_PASSWORD must be set (e2e/run.sh does)');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('a template is registered, used for a contract and for a bulk send', async () => {
  const stamp = Date.now().toString(36);
  const api = await apiSession(browser, ADMIN);
  const [approver] = await api.call('GET', '/approvers');
  const route = `課長決裁 ${stamp}`;
  await api.call('POST', '/approval-route-templates', {
    name: route,
    steps: [{ name: '課長', rule: 'any', approver_ids: [approver.id] }],
  });

  const { page, errors } = await openPage(browser);
  await login(page, ADMIN);
  await page.goto('/templates');
  await page.getByRole('heading', { name: '契約書のひな形', exact: true }).waitFor();
  await page.getByRole('button', { name: 'ひな形を登録する' }).click();
  const name = `物品購入（標準）${stamp}`;
  await page.getByLabel('ひな形の名称').fill(name);
  await page.locator('#dt-route').selectOption({ label: route });
  await page.getByLabel('件名（初期値）').fill('物品購入契約');
  await page.getByLabel('契約金額（円・初期値）').fill('120000');
  await page.getByRole('button', { name: '保存する' }).click();
  await page.getByRole('heading', { name: 'ひな形の変更' }).waitFor();
  await page.locator('#dt-main').setInputFiles(join(CORPUS, 'libreoffice-ja-contract.pdf'));
  await page.locator('.plain-list').getByText('libreoffice-ja-contract.pdf').waitFor();
  await page.locator('table.list').getByText(name).waitFor();
  await screenshot(page, 't01-templates');

  // 「ひな形から作成」, linked from the new-contract page, opens the draft in the editor.
  await page.goto('/contracts/new');
  await page.getByRole('link', { name: 'ひな形から作成' }).click();
  await page.waitForURL('**/contracts/from-template');
  await page.getByRole('heading', { name: 'ひな形から作成', level: 1 }).waitFor();
  await page.locator('#ft-template').selectOption({ label: name });
  await page.getByLabel('相手方名').fill('株式会社ひな形商事');
  await page.getByLabel('担当者名').fill('雛形 太郎');
  await page.getByLabel('メールアドレス').fill(`hinagata.${stamp}@example.co.jp`);
  await page.getByRole('button', { name: 'ひな形から下書きを作成する' }).click();
  await page.waitForURL(/\/contracts\/[0-9a-f-]+\/edit\?created=1/);
  const id = page.url().match(/contracts\/([0-9a-f-]+)\/edit/)[1];
  const c = await api.call('GET', `/contracts/${id}`);
  assert.equal(c.title, '物品購入契約');
  assert.equal(c.amount_yen, 120000);
  assert.equal(c.documents.length, 1);
  assert.equal(c.approval_steps.length, 1);
  assert.equal(c.recipients[0].organization_name, '株式会社ひな形商事');
  await screenshot(page, 't02-contract-from-template');

  // Bulk sending three rows (UTF-8 with BOM): with a route, each is submitted for approval.
  await page.goto('/templates');
  await page.getByRole('heading', { name: '一括送信' }).waitFor();
  await page.locator('#bulk-template').selectOption({ label: name });
  const csv = '\ufeff相手方名,担当者名,メールアドレス,件名\r\n'
    + [1, 2, 3].map((i) => `株式会社一括${i},一括 ${i}号,ikkatsu${i}.${stamp}@example.co.jp,物品購入契約 ${i}`).join('\r\n')
    + '\r\n';
  await page.locator('#bulk-file').setInputFiles({ name: '相手方一覧.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('button', { name: '一括送信を開始する' }).click();
  const progress = page.locator('.bulk-progress');
  await progress.getByText('完了').waitFor({ timeout: 60_000 });
  assert.match(await progress.textContent(), /（3 \/ 3）/);
  await screenshot(page, 't03-bulk-send-done');

  // A CSV with a bad row is refused with its line.
  const bad = '相手方名,担当者名,メールアドレス\r\n株式会社一括,一括 太郎,not-an-address\r\n';
  await page.locator('#bulk-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad, 'utf8') });
  await page.getByRole('button', { name: '一括送信を開始する' }).click();
  await page.locator('.bulk-errors').getByText('2行目 メールアドレス').waitFor();
  await screenshot(page, 't04-bulk-send-refused');
  // The refused upload is the one error answer this test provokes.
  assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);
});
