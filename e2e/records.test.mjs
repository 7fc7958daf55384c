// Records in the browser: a maintenance notice (お知らせ) shows as a banner on staff pages and on
// the counterparty's signing page (a phone); the fiscal-year export (年度別一括出力) is
// requested, followed and downloaded (the ZIP's SHA-256 is the one the page shows); the monthly
// usage report (月次利用状況報告), the disposition page (廃棄) and a contract's legal hold
// (廃棄保留). Every page is saved at 1366×768 and 390×844.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN,
  OUTBOX,
  apiSession,
  approveAndSend,
  launchBrowser,
  login,
  openPage,
  screenshot,
  waitForMail,
} from './steps.mjs';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata', 'pdf-corpus');

let browser;
before(async () => {
  assert.ok(ADMIN.password, 'TACHIAI_ADMIN_PASSWORD must be set (e2e/run.sh does)');
  assert.ok(OUTBOX, 'TACHIAI_E2E_OUTBOX must be set (e2e/run.sh does)');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Today's fiscal year (年度) in Japan: April to March. */
function fiscalYearNow() {
  const jst = new Date(Date.now() + 9 * 3600 * 1000);
  return jst.getUTCMonth() + 1 >= 4 ? jst.getUTCFullYear() : jst.getUTCFullYear() - 1;
}

test('a planned maintenance notice is a banner for staff and on the signing page', async () => {
  const stamp = Date.now().toString(36);
  const recipient = { org: '株式会社お知らせ', name: '告知 次郎', email: `kokuchi.${stamp}@example.co.jp` };
  const admin = await apiSession(browser, ADMIN);
  const c = await admin.call('POST', '/contracts', { title: `庁舎点検業務 ${stamp}`, counterparty_name: recipient.org });
  await admin.call(
    'POST',
    `/contracts/${c.id}/documents?role=main&file_name=${encodeURIComponent('点検業務契約書.pdf')}`,
    readFileSync(join(CORPUS, 'libreoffice-ja-contract.pdf')),
  );
  await admin.call('PUT', `/contracts/${c.id}/recipients`, {
    recipients: [{ organization_name: recipient.org, name: recipient.name, email: recipient.email }],
  });
  await approveAndSend(browser, admin, c.id, { loginId: `tenken.${stamp}` });

  const start = new Date(Date.now() + 24 * 3600 * 1000);
  const end = new Date(start.getTime() + 2 * 3600 * 1000);
  const title = `システムメンテナンス ${stamp}`;
  const notice = await admin.call('POST', '/notices', {
    kind: 'planned',
    starts_at: start.toISOString(),
    ends_at: end.toISOString(),
    title,
    text: '作業中は契約の確認・合意ができません。\nご不便をおかけします。',
  });
  assert.equal(notice.kind, 'planned');

  // Staff: the banner on the home page, and the administrators' notices page.
  const staff = await openPage(browser);
  await login(staff.page, ADMIN);
  const banner = staff.page.locator('.notice-banners').filter({ hasText: title });
  await banner.waitFor();
  assert.match(await banner.textContent(), /計画メンテナンス/);
  await screenshot(staff.page, 'r01-notice-banner-staff');
  await staff.page.goto('/notices');
  await staff.page.getByRole('heading', { name: 'お知らせの管理', exact: true }).waitFor();
  await staff.page.locator('main').getByText(title).first().waitFor();
  await screenshot(staff.page, 'r02-notices-admin');
  assert.deepEqual(staff.errors, []);
  await staff.context.close();

  // The counterparty, on a phone, from the link in the mail: the same banner, nothing else of
  // the city's.
  const { match } = await waitForMail(recipient.email, /\/sign\/([A-Za-z0-9_-]+)/);
  const signer = await openPage(browser, { phone: true });
  await signer.page.goto(`/sign/${match[1]}`);
  const signingBanner = signer.page.locator('.notice-banners').filter({ hasText: title });
  await signingBanner.waitFor();
  assert.match(await signingBanner.textContent(), /作業中は契約の確認・合意ができません。/);
  await screenshot(signer.page, 'r03-notice-banner-signing', { restore: { width: 390, height: 844 } });
  assert.deepEqual(signer.errors, []);
  await signer.context.close();

  // Withdrawn: gone from the signing page's notices.
  await admin.call('POST', `/notices/${notice.id}/withdraw`, {});
  const after = await admin.context.request.get(`/api/v1/signing/${match[1]}/notices`);
  assert.equal(after.status(), 200);
  assert.ok(!(await after.text()).includes(title), 'a withdrawn notice is not shown');
  await admin.context.close();
});

test('a fiscal-year export is requested, followed and downloaded with the hash it shows', async () => {
  const { page, context, errors } = await openPage(browser);
  await login(page, ADMIN);
  await page.goto('/exports');
  await page.getByRole('heading', { name: '年度別一括出力', exact: true }).waitFor();
  const year = String(fiscalYearNow());
  await page.locator('#export-year').fill(year);
  await page.getByRole('button', { name: '出力を依頼する' }).click();
  await page.getByRole('status').filter({ hasText: '出力を依頼しました。' }).first().waitFor();
  // Queued or writing (a progress bar) first, then done with a download.
  const row = page.locator('.export-row').filter({ hasText: `${year}年度` }).first();
  await row.waitFor();
  await screenshot(page, 'r04-export-requested');
  const link = row.getByRole('link', { name: 'ZIPファイルをダウンロードする' });
  await link.waitFor({ timeout: 60_000 });
  await screenshot(page, 'r05-export-done');
  const shown = (await row.locator('.mono').textContent()).replace('SHA-256', '').trim();
  assert.match(shown, /^[0-9a-f]{64}$/);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const zip = readFileSync(await download.path());
  assert.equal(zip.subarray(0, 2).toString('latin1'), 'PK', 'a ZIP file');
  assert.equal(createHash('sha256').update(zip).digest('hex'), shown, 'the page shows the ZIP\'s SHA-256');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the monthly report, the disposition page and a legal hold', async () => {
  const stamp = Date.now().toString(36);
  const admin = await apiSession(browser, ADMIN);
  const c = await admin.call('POST', '/contracts', { title: `保存文書 ${stamp}`, counterparty_name: '株式会社保存' });

  const { page, context, errors } = await openPage(browser);
  await login(page, ADMIN);

  // 月次利用状況報告: this month's figures so far, with CSV and PDF downloads.
  await page.goto('/reports');
  await page.getByRole('heading', { name: '月次利用状況報告', exact: true }).waitFor();
  await page.getByRole('columnheader', { name: '所属' }).first().waitFor();
  const csv = await page.getByRole('link', { name: 'CSVで出力する' }).getAttribute('href');
  assert.match(csv, /format=csv/);
  const answer = await admin.context.request.get(csv.startsWith('/') ? csv : `/${csv}`);
  assert.equal(answer.status(), 200);
  const bytes = await answer.body();
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM');
  await screenshot(page, 'r06-monthly-report');

  // 廃棄: candidates (none are past their retention end on a new server) and requests.
  await page.goto('/dispositions');
  await page.getByRole('heading', { name: '廃棄', exact: true }).waitFor();
  await page.getByRole('heading', { name: '廃棄候補', exact: true }).waitFor();
  await screenshot(page, 'r07-dispositions');

  // 廃棄保留 on a contract: set with a reason, shown on its page.
  await page.goto(`/contracts/${c.id}`);
  await page.getByRole('heading', { name: '保存期間・廃棄保留', exact: true }).waitFor();
  await page.getByLabel('廃棄保留の理由').fill('訴訟の可能性があるため');
  await page.getByRole('button', { name: '廃棄保留にする' }).click();
  await page.getByText('廃棄保留中です（訴訟ホールド）。').waitFor();
  await screenshot(page, 'r08-legal-hold');
  const held = await admin.call('GET', `/contracts/${c.id}`);
  assert.ok(held.legal_hold, 'the hold is stored');
  assert.deepEqual(errors, []);
  await context.close();
  await admin.context.close();
});
