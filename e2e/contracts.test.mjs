// Contract journey in the browser: staff creates a contract with a corpus
// PDF (an encrypted PDF is refused first, with the server's Japanese reason next to the file),
// sets a recipient and an approval route and submits; the approver approves in the 承認待ち
// inbox; staff sends; the counterparty opens the link from the mail on a 390×844 phone,
// requests the 確認コード, enters a wrong one (Japanese message), then the right one from the
// next mail, downloads the PDF and agrees; the contract page shows 締結済み once the server's
// job workers have sealed it. Also: a stale action refused with the server's reason, 差し戻し
// from the inbox, a counterparty who declines, one who forwards (転送), 複製. Every new page is
// saved at 1366×768 and 390×844.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN,
  BASE_URL,
  OUTBOX,
  apiSession,
  approveAndSend,
  PHONE,
  createUser,
  dropFile,
  launchBrowser,
  login,
  logout,
  mailsTo,
  openMenu,
  openPage,
  screenshot,
  viewerInk,
  waitForMail,
} from './steps.mjs';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata', 'pdf-corpus');
// Answers the tests provoke on purpose: a refused upload (422), a wrong code (401).
const PROVOKED = /status of (401|422)/;

let browser;
before(async () => {
  assert.ok(ADMIN.password, 'TACHIAI_ADMIN_PASSWORD must be set (e2e/run.sh does)');
  assert.ok(OUTBOX, 'TACHIAI_E2E_OUTBOX must be set (e2e/run.sh does)');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** The card (section) of the edit page with this heading. */
function section(page, heading) {
  return page.locator('section.card').filter({ has: page.getByRole('heading', { name: heading, exact: true }) });
}

test('a contract goes from draft through approval to the counterparty and is concluded', async (t) => {
  const started = Date.now();
  const stamp = Date.now().toString(36);
  const title = `庁舎清掃業務委託契約 ${stamp}`;
  const approver = {
    loginId: `shonin.${stamp}`,
    name: '承認 一郎',
    email: `shonin.${stamp}@city.example.lg.jp`,
    roles: ['承認者'],
    password: `Shonin-2026-${stamp}x`,
  };
  const recipient = { org: '株式会社テスト商事', name: '山田 太郎', email: `yamada.${stamp}@example.co.jp` };

  const clerk = {
    loginId: `keiyaku.${stamp}`,
    name: '契約 花子',
    email: `keiyaku.${stamp}@city.example.lg.jp`,
    roles: ['担当者'],
    password: `Keiyaku-2026-${stamp}x`,
  };

  // --- The administrator adds an approver and a clerk (担当者). ---
  const admin = await openPage(browser);
  await login(admin.page, ADMIN);
  await createUser(admin.page, approver);
  await createUser(admin.page, clerk);

  // --- … and a route template (承認ルートのひな形) the clerk will start from. ---
  const template = `標準ルート（課長決裁）${stamp}`;
  await openMenu(admin.page, '承認ルートのひな形');
  await admin.page.getByRole('button', { name: 'ひな形を追加する' }).click();
  const tform = admin.page.locator('section.card').filter({ has: admin.page.getByRole('heading', { name: '新しいひな形' }) });
  await tform.getByLabel('名称').fill(template);
  await tform.getByRole('button', { name: '承認ステップを追加する' }).click();
  await tform.locator('.step-row').first().getByLabel('ステップ名').fill('課長決裁');
  // No approver yet: the step's error is shown under its approvers.
  await tform.getByRole('button', { name: '保存する' }).click();
  await tform.locator('.step-row .field-error', { hasText: '1つ以上選択してください。' }).waitFor();
  await tform.locator('.step-row').first().getByLabel(approver.name).check();
  // Choosing one clears "choose at least one" at once.
  await tform.locator('.step-row .field-error', { hasText: '1つ以上選択してください。' }).waitFor({ state: 'detached' });
  await screenshot(admin.page, 't01-route-template-form');
  await tform.getByRole('button', { name: '保存する' }).click();
  const trow = admin.page.locator('table.list tr', { hasText: template });
  await trow.waitFor();
  assert.match(await trow.textContent(), /すべての所属/);
  assert.match(await trow.textContent(), /課長決裁/);
  await screenshot(admin.page, 't02-route-templates');
  await logout(admin.page);
  assert.deepEqual(admin.errors, []);
  await admin.context.close();

  // --- The clerk drafts the contract: basic data first. ---
  const staff = await openPage(browser);
  const { page } = staff;
  await login(page, { tenant: 'dev', loginId: clerk.loginId, password: clerk.password });
  const menu = page.getByRole('navigation', { name: 'メインメニュー' });
  for (const entry of ['契約一覧', '新規作成']) {
    assert.equal(await menu.getByRole('link', { name: entry, exact: true }).count(), 1, entry);
  }
  assert.equal(await menu.getByRole('link', { name: '承認待ち', exact: true }).count(), 0, 'a clerk does not approve');
  await openMenu(page, '新規作成', '契約の新規作成');
  await screenshot(page, 'c01-contract-new');
  await page.locator('#c-title').fill(title);
  await page.locator('#c-counterparty').fill(recipient.org);
  await page.locator('#c-amount').fill('1234000');
  await page.getByText('1,234,000円').waitFor();
  await page.locator('#c-start').fill('2026-04-01');
  await page.locator('#c-end').fill('2027-03-31');
  await page.locator('#c-notes').fill('年間契約。月次で清掃報告書を提出すること。');
  await page.getByRole('button', { name: '項目を追加する' }).click();
  await page.getByLabel('項目名').fill('予算科目');
  await page.getByLabel('値', { exact: true }).fill('総務費');
  await page.locator('#c-stamp').check();
  await page.getByRole('button', { name: '下書きを保存する' }).click();
  await page.waitForURL(/\/contracts\/[0-9a-f-]+\/edit/);
  await page.getByText('下書きを作成しました。').waitFor();
  const contractPath = new URL(page.url()).pathname.replace(/\/edit$/, '');

  // --- An encrypted PDF is refused, with the reason next to the file; the corpus PDF is taken. ---
  await page.locator('#main-pdf').setInputFiles(join(CORPUS, 'encrypted-aes256-user-password.pdf'));
  const refusal = page.locator('.upload-error');
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /パスワードまたはセキュリティ設定がされているため、署名できません/);
  await screenshot(page, 'c02-upload-refused');
  // The corpus PDF is dragged onto the upload area.
  await dropFile(page, page.locator('.drop-zone').filter({ has: page.locator('#main-pdf') }), join(CORPUS, 'libreoffice-ja-contract.pdf'));
  await page.locator('.doc-list .doc-name', { hasText: 'libreoffice-ja-contract.pdf' }).waitFor();
  await page.locator('.upload-status', { hasText: 'アップロードしました。' }).waitFor();

  // --- The stamp is placed on the PDF's first page by dragging it; the draft saves itself. ---
  const stampBox = page.locator('.stamp-sheet .stamp-box');
  await stampBox.waitFor();
  // The numbers stand above the page, and the hint says so.
  await page.getByText('位置は上の数値にも反映されます。', { exact: false }).waitFor();
  const initial = { x: await page.locator('#c-stamp-x').inputValue(), y: await page.locator('#c-stamp-y').inputValue() };
  await stampBox.evaluate((e) => e.scrollIntoView({ block: 'center' }));
  const from = await stampBox.boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  // Up and to the left, within the window.
  await page.mouse.move(from.x + from.width / 2 - 200, from.y + from.height / 2 - 250, { steps: 8 });
  await page.mouse.up();
  const dragged = { x: await page.locator('#c-stamp-x').inputValue(), y: await page.locator('#c-stamp-y').inputValue() };
  assert.ok(Number(dragged.x) < Number(initial.x) && Number(dragged.y) > Number(initial.y), `stamp moved from ${JSON.stringify(initial)} to ${JSON.stringify(dragged)}`);
  // The keyboard moves it too (5 pt a press), keeping the focus between presses.
  await stampBox.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowUp');
  const placed = { x: await page.locator('#c-stamp-x').inputValue(), y: await page.locator('#c-stamp-y').inputValue() };
  assert.deepEqual(placed, { x: String(Number(dragged.x) + 10), y: String(Number(dragged.y) + 5) });
  await page.getByRole('status').filter({ hasText: '下書きを自動保存しました' }).waitFor();
  await screenshot(page, 'c02b-stamp-placed', { settle: 500 });
  await page.reload();
  await page.locator('#c-stamp-x').waitFor();
  assert.equal(await page.locator('#c-stamp-x').inputValue(), placed.x, 'the autosaved stamp position survives a reload');
  assert.equal(await page.locator('#c-stamp-y').inputValue(), placed.y);

  // --- One recipient, one approval step; each part saved on its own. ---
  const recipients = section(page, '送信先（契約相手方）');
  await recipients.getByRole('button', { name: '送信先を追加する' }).click();
  const row = recipients.locator('.recipient-row').first();
  await row.getByLabel('組織名').fill(recipient.org);
  await row.getByLabel('氏名').fill(recipient.name);
  await row.getByLabel('メールアドレス').fill(recipient.email);
  await recipients.getByRole('button', { name: '送信先を保存する' }).click();
  await recipients.getByRole('status').filter({ hasText: '保存しました。' }).waitFor();

  // The route comes from the administrator's template: its step and approver are copied in.
  const route = section(page, '承認ルート');
  await route.getByLabel('ひな形から選ぶ').selectOption({ label: template });
  const step = route.locator('.step-row').first();
  assert.equal(await step.getByLabel('ステップ名').inputValue(), '課長決裁');
  assert.ok(await step.getByLabel(approver.name).isChecked(), 'the template\'s approver is ticked');
  await route.getByRole('button', { name: '承認ルートを保存する' }).click();
  await route.getByRole('status').filter({ hasText: '保存しました。' }).waitFor();
  await screenshot(page, 'c03-contract-edit', { settle: 500 });

  // --- Submit from the contract page: its buttons come from shared::contract. ---
  await page.getByRole('link', { name: '契約の詳細へ' }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  assert.equal(await page.getByRole('button', { name: '送信する' }).count(), 0, 'approval comes first');
  // The document in the page's own viewer (pdf.js, served by the app).
  await page.getByRole('button', { name: 'プレビュー', exact: true }).first().click();
  const staffInk = await viewerInk(page.locator('.doc-list'));
  assert.ok(staffInk > 0.002, `the contract page's preview shows the contract (ink ${staffInk})`);
  await screenshot(page, 'c03b-contract-preview');
  await page.getByRole('button', { name: 'プレビューを閉じる' }).first().click();
  await page.getByRole('button', { name: '承認申請する' }).click();
  // The banner says who was asked to approve.
  await page.getByText(`承認申請しました。承認依頼のメールを次の方に送信しました：${approver.name}`).waitFor();
  await page.locator('.contract-head .badge', { hasText: '承認待ち' }).waitFor();
  assert.match(await page.locator('main').textContent(), /1,234,000円/);
  assert.match(await page.locator('main').textContent(), /2026年4月1日～2027年3月31日/);
  // The route is numbered once (the list's own numbers are off).
  const routeList = page.locator('ol.steps');
  assert.equal(await routeList.evaluate((e) => getComputedStyle(e).listStyleType), 'none');
  assert.match(await routeList.locator('.step-name').first().textContent(), /^1\. 課長決裁$/);
  await screenshot(page, 'c04-contract-pending');

  // The list, filtered through the URL: a bookmarkable search.
  await openMenu(page, '契約一覧');
  await page.locator('table.contracts').getByRole('link', { name: title }).waitFor();
  await screenshot(page, 'c05-contracts');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Contracts' }).waitFor();
  await page.locator('table.contracts .badge', { hasText: 'Pending approval' }).waitFor();
  await screenshot(page, 'c05-contracts-english');
  await page.getByRole('button', { name: '日本語' }).click();
  await page.getByRole('heading', { level: 1, name: '契約一覧' }).waitFor();
  await page.goto(`/contracts?q=${encodeURIComponent(stamp)}&state=pending_approval`);
  await page.locator('table.contracts').getByRole('link', { name: title }).waitFor();
  assert.equal(await page.locator('#f-q').inputValue(), stamp);
  assert.ok(await page.locator('#f-state-pending_approval').isChecked());
  await screenshot(page, 'c06-contracts-filtered');
  await page.goto(`/contracts?q=${encodeURIComponent(stamp)}&state=concluded`);
  await page.getByText('該当する契約はありません。').waitFor();
  await logout(page);

  // --- The approver approves in the inbox. ---
  const boss = await openPage(browser);
  await login(boss.page, { tenant: 'dev', loginId: approver.loginId, password: approver.password });
  await openMenu(boss.page, '承認待ち');
  assert.equal(
    await boss.page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '新規作成', exact: true }).count(),
    0,
    'an approver does not create contracts',
  );
  const item = boss.page.locator('.inbox-item', { hasText: title });
  await item.waitFor();
  await screenshot(boss.page, 'c07-approvals');
  await item.getByRole('button', { name: '承認する' }).click();
  await boss.page.getByText('承認待ちの契約はありません。').waitFor();
  await logout(boss.page);
  assert.deepEqual(boss.errors, []);
  await boss.context.close();

  // --- The clerk sends. ---
  await login(page, { tenant: 'dev', loginId: clerk.loginId, password: clerk.password });
  await page.goto(contractPath);
  await page.locator('.contract-head .badge', { hasText: '承認済み' }).waitFor();
  await page.getByRole('button', { name: '送信する' }).click();
  await page.locator('.contract-head .badge', { hasText: '相手方確認中' }).waitFor();
  // The service seals the file as sent (the clerk and the approval route in its /Reason); the
  // counterparty is asked once that seal is made.
  await page
    .getByText('送信しました。送信時の電子署名（決裁の記録）を付与したあと、相手方へ確認依頼のメールを送信します。')
    .waitFor();
  await screenshot(page, 'c08-contract-sent');

  // --- The counterparty, on a phone, from the mailed link. ---
  const linkMail = await waitForMail(recipient.email, /\/sign\/([A-Za-z0-9_-]+)/);
  const token = linkMail.match[1];
  const phone = await openPage(browser, { phone: true });
  const p = phone.page;
  const opened = Date.now();
  await p.goto(`/sign/${token}`);
  await p.getByRole('heading', { level: 1, name: '契約書の確認' }).waitFor();
  await p.getByRole('button', { name: '確認コードを送信' }).waitFor();
  // Cold load on the phone: HTML, CSS, wasm, then GET /signing/{token}.
  t.diagnostic(`signing page ready on the phone: ${Date.now() - opened} ms`);
  assert.match(await p.locator('main').textContent(), new RegExp(recipient.name));
  await screenshot(p, 'c09-sign-start', { restore: PHONE });
  const seen = mailsTo(recipient.email).map((m) => m.file);
  await p.getByRole('button', { name: '確認コードを送信' }).click();
  await p.getByText('確認コードを送信しました。').waitFor();
  const codeMail = await waitForMail(recipient.email, /(?<!\d)(\d{6})(?!\d)/, { seen });
  const code = codeMail.match[1];

  // A wrong code first: the server's Japanese message.
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  await p.getByLabel('確認コード（6桁）').fill(wrong);
  await p.getByRole('button', { name: '確認する' }).click();
  const alert = p.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /確認コードまたはアクセスコードが正しくありません。/);
  await screenshot(p, 'c10-sign-wrong-code', { restore: PHONE });

  await p.getByLabel('確認コード（6桁）').fill(code);
  await p.getByRole('button', { name: '確認する' }).click();
  await p.getByLabel('内容を確認し、合意します').waitFor();
  const text = await p.locator('main').textContent();
  assert.match(text, new RegExp(title));
  assert.match(text, /1,234,000円/);
  assert.match(text, /契約期間2026年4月1日～2027年3月31日/);
  await p.getByRole('link', { name: 'ダウンロードする' }).first().waitFor();
  // The contract is shown in the page (pdf.js, no CDN), readable on the phone; zoom redraws it.
  const ink = await viewerInk(p.locator('.sign-doc'));
  assert.ok(ink > 0.002, `the signing page shows the contract's text (ink ${ink})`);
  const fitted = await p.locator('canvas.pdf-page').first().boundingBox();
  assert.ok(fitted.width >= 300 && fitted.width <= 390, `page fitted to the phone: ${fitted.width} px`);
  await p.getByRole('button', { name: '拡大' }).click();
  await p.getByText('150%').waitFor();
  await p.locator('canvas.pdf-page[data-rendered="true"]').first().waitFor();
  const zoomed = await p.locator('canvas.pdf-page').first().boundingBox();
  assert.ok(zoomed.width > fitted.width * 1.4, `zoomed ${fitted.width} → ${zoomed.width} px`);
  await p.getByRole('button', { name: '幅に合わせる' }).click();
  await screenshot(p, 'c11-sign-verified', { restore: PHONE });

  // The PDF, fetched with the bearer session and saved as a person would: the file as sealed
  // at sending (the city's approval recorded), the one the counterparty agrees to.
  const [download] = await Promise.all([
    p.waitForEvent('download'),
    p.getByRole('link', { name: 'ダウンロードする' }).first().click(),
  ]);
  assert.equal(download.suggestedFilename(), 'libreoffice-ja-contract（電子署名済）.pdf');
  const saved = readFileSync(await download.path());
  assert.equal(saved.subarray(0, 5).toString('latin1'), '%PDF-');

  // Large enough to tap: the agree button on the phone.
  const agree = p.getByRole('button', { name: '合意する', exact: true });
  assert.ok(await agree.isDisabled(), 'agreeing needs the consent box');
  await p.getByLabel('内容を確認し、合意します').check();
  const box = await agree.boundingBox();
  assert.ok(box.height >= 44 && box.width >= 300, `agree button ${box.width}×${box.height}`);
  await agree.click();
  // The last to agree: the page says the seal is being applied, then follows by itself.
  await p.getByText('すべての方の合意がそろいましたので、電子署名とタイムスタンプを付与しています。', { exact: false }).waitFor();
  await screenshot(p, 'c12-sign-agreed', { restore: PHONE });
  // Concluded: this link gives way to a fresh download link, mailed; the page says so.
  await p.getByText('契約が締結されました。電子署名済みの契約書をダウンロードできるリンクを、メールでお送りしました。').waitFor({ timeout: 120_000 });
  assert.equal(await p.getByText('ほかの方の合意がそろうと', { exact: false }).count(), 0);
  await screenshot(p, 'c12b-sign-concluded', { restore: PHONE });
  // The replaced link answers 404 to the page's last look: that is how it learns of the new one.
  assert.deepEqual(phone.errors.filter((e) => !PROVOKED.test(e) && !/status of 404/.test(e)), []);
  await phone.context.close();

  // --- The service seals it; the contract page follows by itself (it polls while 締結処理中). ---
  await page.goto(contractPath);
  await page.locator('.contract-head .badge', { hasText: '締結済み' }).waitFor({ timeout: 120_000 });
  await page.reload();
  await page.locator('.doc-list', { hasText: '署名済み契約書' }).waitFor();
  // 経過: the contract's own history, the service's sealing included.
  const history = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '経過', exact: true }) });
  for (const label of ['契約の作成', '承認申請', '承認', '送信', '送信時の電子署名（決裁の記録）', '相手方の合意', '契約締結']) {
    await history.getByText(label, { exact: true }).first().waitFor();
  }
  // People by name, not login ID; previews are views (once per person and file), not downloads.
  const historyText = await history.textContent();
  assert.match(historyText, new RegExp(clerk.name));
  assert.match(historyText, new RegExp(`${recipient.name}（${recipient.org}）`));
  assert.doesNotMatch(historyText, new RegExp(clerk.loginId));
  assert.doesNotMatch(historyText, /ダウンロード/);
  assert.equal(await history.getByText('ファイルの表示', { exact: true }).count(), 1);
  // The signed versions: the final one (long-term signature) first, then the one made at
  // agreement, then the one sealed at sending.
  const versions = await page.locator('.doc-list .badge').filter({ hasText: /最終版（長期署名）|合意時の署名|送信時の署名/ }).allTextContents();
  assert.deepEqual(versions, ['最終版（長期署名）', '合意時の署名', '送信時の署名（決裁の記録）']);
  await screenshot(page, 'c13-contract-concluded');

  // The signed PDF, downloaded through the UI, passes the project's validator harness at B-LTA.
  const [signedDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: '署名済みPDFをダウンロードする' }).click(),
  ]);
  const signedPath = await signedDownload.path();
  const validators = '/opt/tachiai-validators/venv/bin/pyhanko';
  if (existsSync(validators)) {
    const root = join(dirname(OUTBOX), 'pki', 'root-ca.pem');
    const out = execFileSync(
      join(dirname(fileURLToPath(import.meta.url)), '..', 'tools', 'verify-signed-pdf'),
      [signedPath, '--trust', root, '--level', 'B-LTA', '--revocation', 'none'],
      { encoding: 'utf8' },
    );
    t.diagnostic(`verify-signed-pdf: ${out.trim().split('\n').pop()}`);
  } else {
    t.diagnostic('NOTICE: validators not installed; the signed PDF was not checked externally');
  }

  // The dashboard counts it; the count links to the filtered list.
  await openMenu(page, 'ホーム');
  const mine = page.locator('section.card').filter({ has: page.getByRole('heading', { name: /自分が作成した契約/ }) });
  const concludedCount = mine.locator('li.count', { has: page.locator('.badge', { hasText: '締結済み' }) });
  assert.match(await concludedCount.locator('.count-n').textContent(), /^[1-9]\d*$/);
  await page.getByRole('heading', { name: '最近の動き' }).waitFor();
  assert.match(await page.locator('main').textContent(), new RegExp(title));
  await screenshot(page, 'd01-home-dashboard');
  await concludedCount.locator('a').click();
  await page.getByRole('heading', { level: 1, name: '契約一覧' }).waitFor();
  assert.match(page.url(), /[?&]state=concluded(&|$)/);
  assert.match(page.url(), /[?&]created_by_me=true(&|$)/);
  // The filter without a form field is shown, with a link that removes just it.
  const chip = page.locator('.filter-chip', { hasText: '自分が作成した契約' });
  await chip.waitFor();
  assert.doesNotMatch(await chip.getByRole('link', { name: 'この条件を外す' }).getAttribute('href'), /created_by_me/);
  await page.locator('table.contracts tr', { hasText: title }).locator('.badge', { hasText: '締結済み' }).waitFor();
  await screenshot(page, 'd02-list-concluded');
  // CSV of the same filters (Excel: UTF-8 with BOM), and the ticked contracts as one ZIP.
  const [csvDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'CSVで出力する' }).click(),
  ]);
  const csv = readFileSync(await csvDownload.path(), 'utf8');
  assert.match(csv, /契約番号/);
  assert.match(csv, new RegExp(title));
  assert.match(csv, /締結済み/);
  await page.getByRole('checkbox', { name: new RegExp(`選択 .*${title}`) }).check();
  const [zipDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /選択した契約を一括ダウンロード（ZIP）（1）/ }).click(),
  ]);
  assert.equal(readFileSync(await zipDownload.path()).subarray(0, 2).toString('latin1'), 'PK');
  await screenshot(page, 'd03-list-selected');

  // The public verification page (no login needed) says the same in plain words.
  const contractId = contractPath.split('/').pop();
  const publicId = await page.evaluate(
    async (id) => (await (await fetch(`/api/v1/contracts/${id}`)).json()).public_id,
    contractId,
  );
  await logout(page);
  const visitor = await openPage(browser);
  await visitor.page.goto('/verify');
  await visitor.page.getByRole('heading', { level: 1, name: '電子署名の検証' }).waitFor();
  await screenshot(visitor.page, 'v01-verify');
  await visitor.page.getByLabel('PDFファイル').setInputFiles(signedPath);
  await visitor.page.getByRole('button', { name: '検証する' }).click();
  await visitor.page.getByText('すべての電子署名とタイムスタンプは有効です。').waitFor();
  const verdict = await visitor.page.locator('main').textContent();
  assert.match(verdict, /このサービスが発行したファイルと一致します。/);
  // The verifier's own LTV verdict and revocation check (from the OCSP responses in the file).
  assert.match(verdict, /長期検証可能（PAdES B-LTA）/);
  assert.match(verdict, /確認済み（ファイル内のOCSP応答とCRL）/);
  assert.match(await visitor.page.locator('.sig-level').first().textContent(), /PAdES B-LTA/);
  // Each seal says whom it records (the signature's /Reason): the city's sending act with its
  // approval route, then the counterparty who agreed.
  const sealReasons = await visitor.page.locator('.sig-reason').allTextContents();
  assert.match(sealReasons[0], new RegExp(`${clerk.name}（送信者）が、承認: .*の決裁を経て送信`));
  assert.match(sealReasons[1], /山田 太郎/);
  await screenshot(visitor.page, 'v02-verify-result');
  // A file that is not a PDF: the server's reason.
  await visitor.page.getByLabel('PDFファイル').setInputFiles({ name: 'note.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a pdf') });
  await visitor.page.getByRole('button', { name: '検証する' }).click();
  await visitor.page.getByRole('alert').waitFor();
  await screenshot(visitor.page, 'v03-verify-refused');
  // The QR code's page: number, date and seal status only.
  await visitor.page.goto(`/v/${publicId}`);
  await visitor.page.getByRole('heading', { level: 1, name: '契約の確認' }).waitFor();
  await visitor.page.getByText('電子署名・タイムスタンプが付与されています').waitFor();
  assert.doesNotMatch(await visitor.page.locator('main').textContent(), new RegExp(title), 'no content on the public page');
  await screenshot(visitor.page, 'v04-public-contract');
  // From there, the public trust guidance (checking a contract on an LGWAN PC).
  await visitor.page.getByRole('link', { name: '電子署名の信頼性と Acrobat での表示について' }).click();
  await visitor.page.getByRole('heading', { level: 1, name: '電子署名の信頼性と確認のしかた' }).waitFor();
  await visitor.page.getByRole('heading', { name: 'LGWAN 接続系の端末で確認するには' }).waitFor();
  assert.doesNotMatch(await visitor.page.locator('main').textContent(), /AATL に掲載された電子署名用証明書の入手/, 'administrators only');
  await screenshot(visitor.page, 'v05-trust-public');
  assert.deepEqual(visitor.errors.filter((e) => !/status of 422/.test(e)), []);
  await visitor.context.close();

  // The administrator's 操作ログ shows the contract's events, the service's sealing included.
  const auditor = await openPage(browser);
  await login(auditor.page, ADMIN);
  await openMenu(auditor.page, '操作ログ');
  const log = await auditor.page.locator('main table').textContent();
  for (const label of ['契約の作成', '承認申請', '承認', '送信', '相手方の合意', '契約締結']) {
    assert.ok(log.includes(label), `audit log shows ${label}`);
  }
  await screenshot(auditor.page, 'a01-audit-log-contract-events');
  // Filtered by 操作 (kept in the URL), and the same filter as CSV.
  await auditor.page.getByLabel('操作', { exact: true }).selectOption('contract.concluded');
  await auditor.page.getByRole('button', { name: '検索する' }).click();
  await auditor.page.waitForURL(/[?&]action=contract\.concluded/);
  // The table is redrawn when the filtered answer arrives: until then it shows the last one.
  let rows = [];
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await auditor.page.waitForTimeout(100)) {
    rows = await auditor.page.locator('main table tbody tr').allTextContents();
    if (rows.length >= 1 && rows.every((r) => r.includes('契約締結'))) break;
  }
  assert.ok(rows.length >= 1 && rows.every((r) => r.includes('契約締結')), `only 契約締結: ${rows}`);
  const [auditCsv] = await Promise.all([
    auditor.page.waitForEvent('download'),
    auditor.page.getByRole('link', { name: 'CSVで出力する' }).click(),
  ]);
  assert.match(readFileSync(await auditCsv.path(), 'utf8'), /contract\.concluded/);
  await screenshot(auditor.page, 'a02-audit-log-filtered');
  // 設定 leads administrators to the trust guidance (AATL, Acrobat, LGWAN).
  await openMenu(auditor.page, '設定');
  await auditor.page.getByRole('link', { name: '電子署名の信頼性と Acrobat での表示について' }).click();
  await auditor.page.getByRole('heading', { level: 1, name: '電子署名の信頼性と確認のしかた' }).waitFor();
  await auditor.page.getByRole('heading', { name: 'AATL に掲載された電子署名用証明書の入手（管理者向け）' }).waitFor();
  await screenshot(auditor.page, 'a03-trust-guide');
  await logout(auditor.page);
  assert.deepEqual(auditor.errors, []);
  await auditor.context.close();
  assert.deepEqual(staff.errors.filter((e) => !PROVOKED.test(e)), []);
  await staff.context.close();
  t.diagnostic(`journey took ${Date.now() - started} ms`);
});

test('an action no longer allowed shows why, and a counterparty declines with a reason', async () => {
  const stamp = Date.now().toString(36);
  const title = `公用車リース契約 ${stamp}`;
  const approver = { loginId: `kacho.${stamp}`, name: '課長 次郎', password: `Kacho-2026-${stamp}x` };
  const recipient = { org: '株式会社リース商会', name: '佐藤 花子', email: `sato.${stamp}@example.co.jp` };

  // Set up through the API: an approved contract with one recipient.
  const admin = await apiSession(browser, ADMIN);
  const boss = await admin.call('POST', '/users', {
    login_id: approver.loginId,
    name: approver.name,
    email: `${approver.loginId}@city.example.lg.jp`,
    roles: ['approver'],
    password: approver.password,
  });
  const c = await admin.call('POST', '/contracts', { title, counterparty_name: recipient.org, amount_yen: 880000 });
  await admin.call(
    'POST',
    `/contracts/${c.id}/documents?role=main&file_name=${encodeURIComponent('公用車リース契約書.pdf')}`,
    readFileSync(join(CORPUS, 'libreoffice-ja-contract.pdf')),
  );
  await admin.call('PUT', `/contracts/${c.id}/recipients`, {
    recipients: [{ organization_name: recipient.org, name: recipient.name, email: recipient.email }],
  });
  await admin.call('PUT', `/contracts/${c.id}/approval-route`, {
    steps: [{ name: '課長決裁', rule: 'any', approver_ids: [boss.user.id] }],
  });
  await admin.call('POST', `/contracts/${c.id}/submit`, {});

  // The approver sends it back from the inbox: a reason is required.
  const boss2 = await openPage(browser);
  await login(boss2.page, { tenant: 'dev', loginId: approver.loginId, password: approver.password });
  await openMenu(boss2.page, '承認待ち');
  const item = boss2.page.locator('.inbox-item', { hasText: title });
  await item.getByRole('button', { name: '差し戻す' }).click();
  await item.locator('.comment-form').getByRole('button', { name: '差し戻す' }).click();
  await item.getByText('差し戻しの理由を入力してください。').waitFor();
  await item.getByLabel('理由').fill('契約期間を記入してください。');
  await screenshot(boss2.page, 'c18-approvals-send-back');
  await item.locator('.comment-form').getByRole('button', { name: '差し戻す' }).click();
  await boss2.page.getByText('承認待ちの契約はありません。').waitFor();
  await logout(boss2.page);
  assert.deepEqual(boss2.errors, []);
  await boss2.context.close();
  const back = await admin.call('GET', `/contracts/${c.id}`);
  assert.equal(back.state, 'draft');

  await admin.call('POST', `/contracts/${c.id}/submit`, {});
  const approverApi = await apiSession(browser, { tenant: 'dev', loginId: approver.loginId, password: approver.password });
  await approverApi.call('POST', `/contracts/${c.id}/approve`, {});
  await approverApi.context.close();

  // Staff has the page open; meanwhile someone else sends it. The stale button is refused
  // with the server's Japanese reason.
  const staff = await openPage(browser);
  const { page } = staff;
  await login(page, ADMIN);
  await page.goto(`/contracts/${c.id}`);
  await page.locator('.contract-head .badge', { hasText: '承認済み' }).waitFor();
  await admin.call('POST', `/contracts/${c.id}/send`, {});
  await page.getByRole('button', { name: '送信する' }).click();
  const refused = page.locator('.action-bar').getByRole('alert');
  await refused.waitFor();
  assert.match(await refused.textContent(), /この操作はできません。/);
  await screenshot(page, 'c14-action-refused');
  await page.reload();
  await page.locator('.contract-head .badge', { hasText: '相手方確認中' }).waitFor();

  // The counterparty declines with a reason.
  const { match } = await waitForMail(recipient.email, /\/sign\/([A-Za-z0-9_-]+)/);
  const phone = await openPage(browser, { phone: true });
  const p = phone.page;
  await p.goto(`/sign/${match[1]}`);
  const seen = mailsTo(recipient.email).map((m) => m.file);
  await p.getByRole('button', { name: '確認コードを送信' }).click();
  const codeMail = await waitForMail(recipient.email, /(?<!\d)(\d{6})(?!\d)/, { seen });
  await p.getByLabel('確認コード（6桁）').fill(codeMail.match[1]);
  await p.getByRole('button', { name: '確認する' }).click();
  await p.getByRole('button', { name: '合意しない' }).click();
  await p.getByRole('button', { name: '却下する' }).click();
  await p.getByText('入力してください。').waitFor();
  await p.getByLabel('合意しない理由').fill('納期の条件が見積りと異なるため。');
  await screenshot(p, 'c15-sign-decline', { restore: PHONE });
  await p.getByRole('button', { name: '却下する' }).click();
  await p.getByText('合意しないことを送信者にお伝えしました。').waitFor();
  await screenshot(p, 'c16-sign-declined', { restore: PHONE });
  assert.deepEqual(phone.errors.filter((e) => !PROVOKED.test(e)), []);
  await phone.context.close();

  await page.reload();
  await page.locator('.contract-head .badge', { hasText: '却下' }).waitFor();
  assert.match(await page.locator('main').textContent(), /納期の条件が見積りと異なるため。/);
  await screenshot(page, 'c17-contract-declined');

  // 複製: a new draft with the same data, opened for editing.
  await page.getByRole('button', { name: '複製する' }).click();
  await page.getByRole('heading', { level: 1, name: '契約の編集' }).waitFor();
  assert.ok(!page.url().includes(c.id), 'the copy is a new contract');
  assert.equal(await page.locator('#c-title').inputValue(), title);
  await page.locator('.doc-list .doc-name', { hasText: '公用車リース契約書.pdf' }).waitFor();
  await logout(page);
  assert.deepEqual(staff.errors.filter((e) => !/status of 409/.test(e)), []);
  await staff.context.close();
  await admin.context.close();
});

test('a counterparty forwards the request to a colleague, who gets their own link', async () => {
  const stamp = Date.now().toString(36);
  const title = `窓口業務委託契約 ${stamp}`;
  const first = { org: '株式会社窓口サービス', name: '高橋 一郎', email: `takahashi.${stamp}@example.co.jp` };
  const colleague = { name: '伊藤 美咲', email: `ito.${stamp}@example.co.jp` };

  const admin = await apiSession(browser, ADMIN);
  const c = await admin.call('POST', '/contracts', { title, counterparty_name: first.org, allow_forwarding: true });
  await admin.call(
    'POST',
    `/contracts/${c.id}/documents?role=main&file_name=contract.pdf`,
    readFileSync(join(CORPUS, 'libreoffice-ja-contract.pdf')),
  );
  await admin.call('PUT', `/contracts/${c.id}/recipients`, {
    recipients: [{ organization_name: first.org, name: first.name, email: first.email, access_code: 'MADO-2026' }],
  });
  await approveAndSend(browser, admin, c.id, { loginId: `bucho.${stamp}`, name: '部長 三郎', step: '部長決裁' });

  const { match } = await waitForMail(first.email, /\/sign\/([A-Za-z0-9_-]+)/);
  const phone = await openPage(browser, { phone: true });
  const p = phone.page;
  await p.goto(`/sign/${match[1]}`);
  const seen = mailsTo(first.email).map((m) => m.file);
  await p.getByRole('button', { name: '確認コードを送信' }).click();
  const codeMail = await waitForMail(first.email, /(?<!\d)(\d{6})(?!\d)/, { seen });
  await p.getByLabel('確認コード（6桁）').fill(codeMail.match[1]);
  await p.getByLabel('アクセスコード').fill('MADO-2026');
  await p.getByRole('button', { name: '確認する' }).click();
  await p.getByRole('button', { name: '担当者を変更する（転送）' }).click();
  // The access code goes with the request: the form says the colleague needs it too.
  await p.getByText('転送先の方も同じアクセスコードが必要です', { exact: false }).waitFor();
  await p.getByLabel('氏名').fill(colleague.name);
  await p.getByLabel('メールアドレス').fill(colleague.email);
  await screenshot(p, 'c19-sign-forward', { restore: PHONE });
  await p.getByRole('button', { name: '転送する' }).click();
  await p.getByText('この依頼は転送されました。').waitFor();
  await screenshot(p, 'c20-sign-forwarded', { restore: PHONE });
  assert.deepEqual(phone.errors, []);
  await phone.context.close();

  // The old link is handed over: it answers 410 (gone), not the page of the request.
  const old = await fetch(`${BASE_URL}/api/v1/signing/${match[1]}`);
  assert.equal(old.status, 410);
  assert.equal((await old.json()).code, 'signing_link_expired');

  // The colleague's own link opens their own page.
  const forwarded = await waitForMail(colleague.email, /\/sign\/([A-Za-z0-9_-]+)/);
  assert.notEqual(forwarded.match[1], match[1]);
  const view = await admin.call('GET', `/contracts/${c.id}`);
  assert.deepEqual(
    view.recipients.map((r) => [r.name, r.state]),
    [
      [first.name, 'forwarded'],
      [colleague.name, 'notified'],
    ],
  );
  await admin.context.close();
});

test('和暦 switched on shows era dates; a department\'s template is offered only to its contracts', async () => {
  const stamp = Date.now().toString(36);
  const admin = await apiSession(browser, ADMIN);
  const finance = await admin.call('POST', '/departments', { name: `財政課${stamp}` });
  const other = await admin.call('POST', '/departments', { name: `福祉課${stamp}` });
  const mine = await admin.call('POST', '/contracts', {
    title: `財政システム保守 ${stamp}`,
    counterparty_name: '株式会社財政',
    department_id: finance.id,
    period_start: '2026-04-01',
    period_end: '2027-03-31',
  });
  const theirs = await admin.call('POST', '/contracts', {
    title: `福祉バス運行 ${stamp}`,
    counterparty_name: '株式会社福祉',
    department_id: other.id,
  });

  const { page, context, errors } = await openPage(browser);
  await login(page, ADMIN);

  // A template for 財政課 only.
  const template = `財政課ルート ${stamp}`;
  await page.goto('/route-templates');
  await page.getByRole('button', { name: 'ひな形を追加する' }).click();
  const tform = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '新しいひな形' }) });
  await tform.getByLabel('名称').fill(template);
  await tform.locator('#template-department').selectOption({ label: finance.name });
  await tform.getByRole('button', { name: '承認ステップを追加する' }).click();
  await tform.locator('.step-row').first().getByLabel('ステップ名').fill('財政課長決裁');
  await tform.locator('.step-row').first().locator('input[type=checkbox]').first().check();
  await tform.getByRole('button', { name: '保存する' }).click();
  const trow = page.locator('table.list tr', { hasText: template });
  await trow.waitFor();
  assert.match(await trow.textContent(), new RegExp(finance.name));

  const offered = async (id) => {
    await page.goto(`/contracts/${id}/edit`);
    const pick = page.locator('section.card').filter({ has: page.getByRole('heading', { name: '承認ルート', exact: true }) }).getByLabel('ひな形から選ぶ');
    await pick.waitFor();
    return pick.locator('option').allTextContents();
  };
  assert.ok((await offered(mine.id)).includes(template), 'offered to the department\'s contract');
  assert.ok(!(await offered(theirs.id)).includes(template), 'not offered to another department\'s contract');

  // Recipients save themselves once a row is complete, without pressing 送信先を保存する.
  const recipients = section(page, '送信先（契約相手方）');
  await recipients.getByRole('button', { name: '送信先を追加する' }).click();
  const row = recipients.locator('.recipient-row').first();
  await row.getByLabel('組織名').fill('株式会社福祉');
  await row.getByLabel('氏名').fill('福祉 花子');
  await row.getByLabel('メールアドレス').fill(`fukushi.${stamp}@example.co.jp`);
  await recipients.getByRole('status').filter({ hasText: '下書きを自動保存しました' }).waitFor();
  const saved = await admin.call('GET', `/contracts/${theirs.id}`);
  assert.deepEqual(saved.recipients.map((r) => r.email), [`fukushi.${stamp}@example.co.jp`]);

  // 和暦 on: the contract's period and dates in the era; off again for the other tests.
  const setEra = async (on) => {
    await page.goto('/settings');
    const box = page.locator('#japanese-era');
    await box.waitFor();
    await box.setChecked(on);
    await page.getByRole('button', { name: '保存する' }).first().click();
    await page.getByRole('status').filter({ hasText: '保存しました。' }).first().waitFor();
  };
  await setEra(true);
  await page.goto(`/contracts/${mine.id}`);
  await page.getByText('令和8年4月1日～令和9年3月31日').waitFor();
  await screenshot(page, 'c21-contract-japanese-era');
  await setEra(false);
  await page.goto(`/contracts/${mine.id}`);
  await page.getByText('2026年4月1日～2027年3月31日').waitFor();
  await admin.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});
