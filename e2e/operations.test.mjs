// Operating for many cities, in the browser: the SMS second factor of a counterparty (the
// sender gives a mobile number in the recipient form; the counterparty, after the mailed code,
// is sent a code by the SMS gateway — a separate HTTP process started by e2e/run.sh — and may
// agree only once it is entered), the network zones on the settings page, and the check of a
// file a sanitising gateway has re-saved on the public verification page. Every new page is
// saved at 1366×768 and 390×844.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN,
  BASE_URL,
  OUTBOX,
  PHONE,
  apiSession,
  approveAndSend,
  launchBrowser,
  login,
  mailsTo,
  openPage,
  screenshot,
  waitForMail,
} from './steps.mjs';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata', 'pdf-corpus');
const SMS_DIR = process.env.TACHIAI_E2E_SMS_DIR ?? '';
// Answers the tests provoke on purpose: a wrong code (401).
const PROVOKED = /status of 401/;

let browser;
/** The contract the SMS test concludes, for the rewritten-file check. */
let concludedId;
before(async () => {
  assert.ok(ADMIN.password, 'TACHIAI_ADMIN_PASSWORD must be set (e2e/run.sh does)');
  assert.ok(OUTBOX, 'TACHIAI_E2E_OUTBOX must be set (e2e/run.sh does)');
  assert.ok(SMS_DIR, 'TACHIAI_E2E_SMS_DIR must be set (e2e/run.sh starts the SMS gateway)');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** The messages the SMS gateway received for `to` (E.164), oldest first. */
function smsTo(to) {
  const file = join(SMS_DIR, 'received.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((r) => r.status === 200 && r.body?.to === to);
}

async function waitForSms(to, count) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const got = smsTo(to);
    if (got.length >= count) return got[count - 1];
    if (Date.now() > deadline) throw new Error(`no SMS #${count} to ${to}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a counterparty with SMS verification enters the SMS code before agreeing', async () => {
  const stamp = Date.now().toString(36);
  const title = `水道メーター検針業務委託契約 ${stamp}`;
  const party = { org: '株式会社検針サービス', name: '佐藤 花子', email: `sato.${stamp}@example.co.jp` };
  // A different mobile number per run (the gateway's log outlives a run on a reused machine).
  const digits = String(Date.now() % 1e8).padStart(8, '0');
  const typed = `０９０-${digits.slice(0, 4)}-${digits.slice(4)}`.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
  const e164 = `+8190${digits}`;

  const admin = await apiSession(browser, ADMIN);
  const c = await admin.call('POST', '/contracts', { title, counterparty_name: party.org });
  await admin.call(
    'POST',
    `/contracts/${c.id}/documents?role=main&file_name=contract.pdf`,
    readFileSync(join(CORPUS, 'libreoffice-ja-contract.pdf')),
  );

  // The sender types the number as people do (full-width digits, hyphens) in the recipient
  // form; a number that is no Japanese mobile number is a field error first.
  const staff = await openPage(browser);
  const page = staff.page;
  await login(page, ADMIN);
  await page.goto(`/contracts/${c.id}/edit`);
  const recipients = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '送信先（契約相手方）', exact: true }) });
  await recipients.getByRole('button', { name: '送信先を追加する' }).click();
  const row = recipients.locator('.recipient-row').first();
  await row.getByLabel('組織名').fill(party.org);
  await row.getByLabel('氏名').fill(party.name);
  await row.getByLabel('メールアドレス').fill(party.email);
  await row.getByLabel('携帯電話番号（SMS認証）').fill('03-1234-5678');
  await recipients.getByRole('button', { name: '送信先を保存する' }).click();
  const phoneField = row.getByLabel('携帯電話番号（SMS認証）');
  await row.locator('input[aria-invalid="true"]').waitFor();
  assert.equal(await phoneField.getAttribute('aria-invalid'), 'true', 'a landline number is a field error');
  assert.match(await row.locator('.field-error').filter({ hasText: /携帯電話/ }).first().textContent(), /携帯電話/);
  await row.getByLabel('携帯電話番号（SMS認証）').fill(typed);
  await recipients.getByRole('button', { name: '送信先を保存する' }).click();
  await recipients.getByRole('status').filter({ hasText: '保存しました。' }).waitFor();
  await screenshot(page, 's01-recipient-sms');
  const saved = await admin.call('GET', `/contracts/${c.id}`);
  assert.equal(saved.recipients[0].mobile_phone, `090-${digits.slice(0, 4)}-${digits.slice(4)}`, 'normalised');
  await approveAndSend(browser, admin, c.id, { loginId: `kacho.sms.${stamp}`, name: '課長 四郎' });

  // The counterparty: the mailed code first, then the SMS code.
  const { match } = await waitForMail(party.email, /\/sign\/([A-Za-z0-9_-]+)/);
  const phone = await openPage(browser, { phone: true });
  const p = phone.page;
  await p.goto(`/sign/${match[1]}`);
  const seen = mailsTo(party.email).map((m) => m.file);
  await p.getByRole('button', { name: '確認コードを送信' }).click();
  const codeMail = await waitForMail(party.email, /(?<!\d)(\d{6})(?!\d)/, { seen });
  await p.getByLabel('確認コード（6桁）').fill(codeMail.match[1]);
  await p.getByRole('button', { name: '確認する' }).click();
  await p.getByRole('heading', { name: 'SMS認証' }).waitFor();
  // Agreeing is not offered before the SMS code; the number is shown masked.
  assert.equal(await p.getByRole('button', { name: '合意する', exact: true }).count(), 0);
  const masked = await p.locator('main').textContent();
  assert.ok(masked.includes(digits.slice(-4)), 'the last digits are shown');
  assert.ok(!masked.includes(digits), 'the whole number is not');
  await screenshot(p, 's02-sign-sms-step', { restore: PHONE });
  await p.getByRole('button', { name: 'SMSで認証コードを送信' }).click();
  await p.getByText('SMSを送信しました。', { exact: false }).waitFor();
  const sms = await waitForSms(e164, 1);
  const code = sms.body.body.match(/(?<!\d)(\d{6})(?!\d)/)[1];
  // A wrong code is refused with the server's reason.
  const wrong = code === '000000' ? '111111' : '000000';
  await p.getByLabel('SMSの認証コード（6桁）').fill(wrong);
  await p.getByRole('button', { name: '認証する' }).click();
  await p.getByRole('alert').waitFor();
  await screenshot(p, 's03-sign-sms-wrong', { restore: PHONE });
  await p.getByLabel('SMSの認証コード（6桁）').fill(code);
  await p.getByRole('button', { name: '認証する' }).click();
  const agree = p.getByRole('button', { name: '合意する', exact: true });
  await agree.waitFor();
  await p.getByLabel('内容を確認し、合意します').check();
  await agree.click();
  await p.getByText('すべての方の合意がそろいましたので、', { exact: false }).waitFor();
  await screenshot(p, 's04-sign-sms-agreed', { restore: PHONE });
  // Concluded: the page follows by itself; the replaced link answers 404 to its last look
  // (that is how it learns of the mailed download link), so that 404 is expected.
  await p.getByText('契約が締結されました。', { exact: false }).waitFor({ timeout: 120_000 });
  assert.deepEqual(phone.errors.filter((e) => !PROVOKED.test(e) && !/status of 404/.test(e)), []);
  await phone.context.close();

  // The seal's reason names the method (with the number masked).
  const deadline = Date.now() + 120_000;
  let view;
  do {
    await new Promise((r) => setTimeout(r, 500));
    view = await admin.call('GET', `/contracts/${c.id}`);
  } while (view.state !== 'concluded' && Date.now() < deadline);
  assert.equal(view.state, 'concluded');
  concludedId = c.id;
  await page.goto(`/contracts/${c.id}`);
  await page.locator('.contract-head .badge', { hasText: '締結済み' }).waitFor();
  const events = await admin.call('GET', `/audit-events?per_page=200`);
  const smsEvents = events.items.filter((e) => e.action.startsWith('recipient.sms'));
  assert.ok(smsEvents.length >= 2, `SMS sending and verification audited: ${smsEvents.map((e) => e.action)}`);
  assert.ok(
    smsEvents.every((e) => !JSON.stringify(e).includes(digits)),
    'the audit log holds the number masked only',
  );
  assert.deepEqual(staff.errors, []);
  await staff.context.close();
  await admin.context.close();
});

test('network zones are set on the settings page, and a rewritten sealed file is recognised', async () => {
  const staff = await openPage(browser);
  const page = staff.page;
  await login(page, ADMIN);
  await page.goto('/settings');
  const zones = page.locator('section.card').filter({ has: page.locator('#zones-title') });
  await zones.waitFor();
  await zones.scrollIntoViewIfNeeded();
  // The browser's own address is shown, so an administrator sees what would lock them out.
  await page.locator('#zones-status').waitFor();
  const boxes = zones.getByRole('checkbox');
  assert.equal(await boxes.count(), 2, 'LGWAN-ASP and the internet');
  const areas = zones.locator('textarea');
  const urls = zones.locator('input[type=url]');
  // Both zones on, the loopback range in each (every browser of the suite is 127.0.0.1), and
  // both URLs this server's: nothing changes for the other tests running meanwhile.
  for (let k = 0; k < 2; k++) {
    await boxes.nth(k).check();
    await areas.nth(k).fill(k === 0 ? '127.0.0.0/8\n10.0.0.0/8' : '127.0.0.0/8');
    await urls.nth(k).fill(BASE_URL);
  }
  await zones.getByRole('button', { name: '保存する' }).click();
  await zones.getByRole('status').filter({ hasText: '保存しました。' }).waitFor();
  await screenshot(page, 'z01-settings-network-zones');
  const admin = await apiSession(browser, ADMIN);
  const set = await admin.call('GET', '/settings/network-zones');
  assert.deepEqual(
    set.zones.map((z) => [z.zone, z.enabled, z.cidrs]),
    [
      ['lgwan', true, ['127.0.0.0/8', '10.0.0.0/8']],
      ['internet', true, ['127.0.0.0/8']],
    ],
  );
  // A list that leaves out the administrator's own address is refused, nothing saved.
  await areas.nth(0).fill('10.0.0.0/8');
  await areas.nth(1).fill('192.0.2.0/24');
  await zones.getByRole('button', { name: '保存する' }).click();
  await zones.getByRole('alert').waitFor();
  await screenshot(page, 'z02-settings-zone-lockout');
  const after = await admin.call('GET', '/settings/network-zones');
  assert.deepEqual(after.zones.map((z) => z.cidrs), set.zones.map((z) => z.cidrs));
  await admin.call('DELETE', '/settings/network-zones');

  // The verification page, given a copy of the sealed file that a gateway has re-saved (qpdf
  // --linearize: every byte moved, the signatures broken, their CMS kept), names the contract
  // it came from. The contract is the one the SMS test above concluded.
  assert.ok(concludedId, 'the SMS test concluded a contract');
  const detail = await admin.call('GET', `/contracts/${concludedId}`);
  const sealed = detail.documents.find((d) => d.role === 'sealed');
  assert.ok(sealed, `a sealed file: ${JSON.stringify(detail.documents.map((d) => d.role))}`);
  const res = await admin.context.request.get(`/api/v1/contracts/${concludedId}/documents/${sealed.id}`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['cache-control'], /no-transform/);
  const work = mkdtempSync(join(tmpdir(), 'tachiai-gateway-'));
  writeFileSync(join(work, 'in.pdf'), Buffer.from(await res.body()));
  const qpdf = spawnSync('qpdf', ['--linearize', join(work, 'in.pdf'), join(work, 'out.pdf')], { encoding: 'utf8' });
  // 3: warnings (the broken signatures' byte ranges); the file is written.
  assert.ok([0, 3].includes(qpdf.status), `qpdf (tools/install-validators): ${qpdf.error ?? qpdf.stderr}`);
  const bytes = readFileSync(join(work, 'out.pdf'));
  rmSync(work, { recursive: true, force: true });
  const visitor = await openPage(browser);
  await visitor.page.goto('/verify');
  await visitor.page.getByLabel('PDFファイル').setInputFiles({ name: '無害化済み.pdf', mimeType: 'application/pdf', buffer: bytes });
  await visitor.page.getByRole('button', { name: '検証する' }).click();
  await visitor.page.getByText('原本から書き換えられたファイルです').waitFor();
  await visitor.page.getByRole('link', { name: '契約の確認ページを開く' }).waitFor();
  await screenshot(visitor.page, 'z03-verify-rewritten');
  await visitor.page.getByRole('link', { name: '契約の確認ページを開く' }).click();
  await visitor.page.getByRole('heading', { level: 1, name: '契約の確認' }).waitFor();
  assert.deepEqual(visitor.errors, []);
  await visitor.context.close();
  assert.deepEqual(staff.errors.filter((e) => !/status of 409/.test(e)), []);
  await staff.context.close();
  await admin.context.close();
});
