//! Interface text: Japanese first (です・ます調, wording per `docs/glossary.md`), with an
//! English switch remembered in `localStorage`. Problem and validation messages come from the
//! `shared` crate, so the browser says exactly what the server would.

use leptos::prelude::*;
use shared::access::{Permission, Role};
use shared::contract::{
    ApprovalDecision, ApprovalRule, ContractAction, ContractState, RecipientOrder, RecipientState,
};
use shared::problem::Problem;
use shared::validate::ValidationError;

const STORAGE_KEY: &str = "tachiai.lang";

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 日本語 (default).
    Ja,
    /// English.
    En,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

/// A piece of interface text: its Japanese and its English wording.
///
/// Each text is a constant (`K::Save`), not a variant of an enum looked up in one table, so a
/// bundle's wasm holds only the texts its pages use: the staff app carries none of the
/// settings page's wording, the public pages none of either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct K(&'static str, &'static str);

macro_rules! texts {
    ($( $key:ident => $ja:literal, $en:literal; )*) => {
        #[allow(non_upper_case_globals)]
        impl K {
            $( #[doc = $ja] pub const $key: K = K($ja, $en); )*
        }
    };
}

texts! {
    AppName => "Tachiai 電子契約", "Tachiai e-Contracts";
    AppTagline => "立会人型電子契約サービス", "Witness-type electronic contract service";
    Loading => "読み込み中です…", "Loading…";
    Saving => "処理中です…", "Working…";
    Save => "保存する", "Save";
    Saved => "保存しました。", "Saved.";
    Search => "検索する", "Search";
    Prev => "前のページ", "Previous page";
    Next => "次のページ", "Next page";
    Pagination => "ページ送り", "Pagination";
    BackToList => "一覧に戻る", "Back to the list";
    Edit => "編集する", "Edit";
    Close => "閉じる", "Close";
    Optional => "任意", "optional";
    Required => "必須", "required";
    SkipToMain => "本文へ移動", "Skip to content";
    MainMenu => "メインメニュー", "Main menu";
    Logout => "ログアウトする", "Log out";
    LanguageSwitch => "English", "日本語";
    LanguageSwitchLabel => "Switch the language to English", "表示言語を日本語に切り替える";
    LoggedInAs => "ログイン中の利用者", "Logged in as";
    DevelopmentSeal => "開発用の電子署名鍵で署名しています。本番運用には正式な署名鍵を設定してください。", "Contracts are sealed with the development key. Configure a proper seal key before production use.";
    NotFound => "ページが見つかりません。メニューから目的の画面を選んでください。", "Page not found. Choose a page from the menu.";
    ErrorTitle => "エラー", "Error";

    NavHome => "ホーム", "Home";
    NavUsers => "利用者", "Users";
    NavDepartments => "所属", "Departments";
    NavAddressBook => "アドレス帳", "Address book";
    NavAudit => "操作ログ", "Audit log";
    NavSettings => "設定", "Settings";
    NavRouteTemplates => "承認ルートのひな形", "Route templates";
    NavAccount => "アカウント", "My account";

    LoginTitle => "ログイン", "Log in";
    TenantCode => "団体コード", "Organisation code";
    LoginId => "ログインID", "Login ID";
    Password => "パスワード", "Password";
    LoginButton => "ログインする", "Log in";
    TotpTitle => "確認コードの入力", "Enter your code";
    TotpCode => "確認コード", "Code";
    TotpHint => "認証アプリに表示されている6桁の数字を入力してください。", "Enter the 6 digits shown in your authenticator app.";
    TotpSubmit => "確認する", "Verify";
    StartOver => "最初からやり直す", "Start over";

    HomeTitle => "ホーム", "Home";
    HomeNoContracts => "契約を閲覧する権限がありません。メニューから利用できる画面を選んでください。", "You may not view contracts. Choose a page from the menu.";
    ContractSettings => "契約の設定", "Contracts";
    ApprovalRequired => "送信の前に承認を必須にする（承認ルートを通った契約だけを送信できます）", "Require approval before sending (only approved contracts can be sent)";
    NumberPattern => "契約番号の形式", "Contract number pattern";
    NumberPatternHint => "{fy} は令和の年度（8）、{fyyyy} は西暦の年度（2026）、{seq:6} は6桁の連番です。例：R{fy}-{seq:6}", "{fy}: Reiwa fiscal year (8), {fyyyy}: fiscal year (2026), {seq:6}: a 6-digit serial. Example: R{fy}-{seq:6}";
    RetentionYears => "保存期間（年）", "Retention (years)";
    RetentionYearsHint => "新しい契約の保存期間の初期値です。1～100年。", "Default for new contracts, 1–100 years.";
    LinkExpiryDays => "確認依頼の有効期間（日）", "Link validity (days)";
    LinkExpiryDaysHint => "送信から相手方の回答期限までの日数です。1～90日。", "Days from sending to the counterparty's answer deadline, 1–90.";
    JapaneseEra => "一覧や文書の日付を和暦で表示する（令和8年4月1日）", "Show dates in the Japanese era (令和8年4月1日)";
    Timeline => "経過", "History";
    SealTitle => "電子署名・タイムスタンプの証明書", "Seal and time-stamp certificates";
    SealDevelopment => "開発用の証明書です。このサーバーの外では信頼されません。本番では団体の電子署名用の証明書を設定してください。", "These are development certificates, not trusted outside this server. Configure the organisation's seal certificate for production.";
    SealSigner => "電子署名の証明書", "Seal certificate";
    SealIssuer => "発行元の証明書", "Issuing certificate";
    SealTsa => "タイムスタンプ", "Time stamps";
    SealTsaBuiltin => "組み込みの時刻認証局（開発用）を使っています。", "The built-in (development) time-stamp authority is used.";
    SealTsaHttp => "外部の時刻認証局（RFC 3161）を順に使います：", "External time-stamp authorities (RFC 3161), in order:";
    SealSubject => "名義", "Subject";
    SealValidity => "有効期間", "Valid";
    SealValid => "有効", "Valid";
    SealExpiresSoon => "期限が近づいています", "Expires soon";
    SealExpired => "期限切れ", "Expired";
    SealFingerprint => "フィンガープリント（SHA-256）", "Fingerprint (SHA-256)";
    KeyringTitle => "電子署名鍵の管理（サービス全体）", "Seal keys (service-wide)";
    KeyringIntro => "使用中の鍵が契約に電子署名します。新しい鍵を登録して「使用開始」すると、再起動なしで次の署名から切り替わります。廃止した鍵の証明書も検証に使われ続けます。", "The active key seals contracts. Import a new key and activate it: the next seal uses it, without a restart. Retired keys' certificates stay trusted for verification.";
    KeyringFallbackDev => "使用中の鍵はありません。開発用の証明書で署名しています。", "No key is active: the development certificates seal.";
    KeyringFallbackConfigured => "使用中の鍵はありません。設定ファイルの鍵で署名しています。", "No key is active: the configured key seals.";
    KeyActive => "使用中", "Active";
    KeyStandby => "待機中", "Standby";
    KeyRetired => "廃止", "Retired";
    KeySeals => "署名した回数", "Seals made";
    KeyActivate => "使用開始", "Activate";
    KeyRetire => "廃止する", "Retire";
    KeyImportTitle => "鍵の登録（PEM形式）", "Import a key (PEM)";
    KeyImported => "鍵を登録しました。「使用開始」で切り替わります。", "The key is imported; activate it to use it.";
    KeyLabel => "名称", "Name";
    KeyPem => "秘密鍵（PEM）", "Private key (PEM)";
    KeyCertPem => "証明書（PEM）", "Certificate (PEM)";
    KeyChainPem => "中間・ルート証明書（PEM）", "Issuing certificates (PEM)";
    KeyImport => "登録する", "Import";
    TsaTitle => "タイムスタンプ局", "Time-stamp authorities";
    TsaSourceDatabase => "上から順に使い、応答しない局は次の局に切り替えます。", "Used from the top; a TSA that fails is skipped for the next.";
    TsaSourceConfigured => "設定ファイルの一覧（tsa_urls）を使っています。ここで追加すると、この一覧に代わります。", "The configured list (tsa_urls) is used; adding one here replaces it.";
    TsaUrl => "URL（RFC 3161）", "URL (RFC 3161)";
    TsaAdd => "追加する", "Add";
    TsaRemove => "削除", "Remove";
    TsaMoveUp => "上へ", "Move up";
    TsaLastSuccess => "最終成功", "Last success";
    TsaLastError => "最終エラー", "Last error";
    TsaCertificateUntil => "証明書の有効期限", "Certificate expires";
    AuditAny => "（すべて）", "(any)";
    AuditTargetId => "対象のID（契約・利用者など）", "Target ID (contract, user, …)";
    AuditFrom => "日付（から）", "From";
    AuditUntil => "日付（まで）", "Until";
    ExportCsv => "CSVで出力する", "Export as CSV";
    BulkZip => "選択した契約を一括ダウンロード（ZIP）", "Download the selected (ZIP)";
    SelectContract => "選択", "Select";
    DashApprovals => "承認待ち（あなたの承認が必要）", "Waiting for your approval";
    DashApprovalsEmpty => "承認を待っている契約はありません。", "Nothing waits for your approval.";
    DashDrafts => "下書き", "Drafts";
    DashDraftsEmpty => "下書きはありません。", "No drafts.";
    DashReturned => "差し戻し・修正のため戻った契約", "Returned to you";
    DashReturnedEmpty => "戻ってきた契約はありません。", "Nothing was returned to you.";
    DashExpiring => "回答期限が7日以内の契約", "Answer due within 7 days";
    DashExpiringEmpty => "期限が近い契約はありません。", "Nothing is due soon.";
    DashShowAll => "すべて表示する", "Show all";
    DashArchive => "長期署名の延長（締結済み契約書のタイムスタンプ更新）", "Long-term signature renewal (archive timestamps)";
    DashArchiveDue => "30日以内に延長予定", "Due within 30 days";
    DashArchiveFailing => "延長に失敗（自動で再試行）", "Failed (retried automatically)";
    DashArchiveGaveUp => "要対応（再試行を終了）", "Action needed (retries ended)";
    DashArchiveNote => "締結済み契約書のタイムスタンプは、期限の前に自動で延長されます。要対応があるときは、サーバーで tachiai ltv status を実行して理由を確認してください。", "Archive timestamps of concluded contracts are renewed automatically before they end. When action is needed, run tachiai ltv status on the server to see why.";
    DashMine => "自分が作成した契約", "Contracts I created";
    FilterRemove => "この条件を外す", "Remove this filter";
    DashDepartment => "所属の契約", "My department's contracts";
    DashTotal => "合計", "Total";
    DashRecent => "最近の動き", "Recent activity";
    DashRecentEmpty => "まだ記録はありません。", "Nothing yet.";
    DashNote => "件数を押すと、その状態の契約一覧を表示します。", "Press a number to see those contracts in the list.";
    Roles => "役割", "Roles";

    UsersTitle => "利用者", "Users";
    UserAdd => "利用者を追加する", "Add a user";
    UserSearchLabel => "氏名・ログインID・メールアドレスで検索", "Search by name, login ID or e-mail";
    IncludeDisabled => "無効化された利用者も表示する", "Include disabled users";
    Name => "氏名", "Name";
    Email => "メールアドレス", "E-mail";
    Department => "所属", "Department";
    NoDepartment => "（所属なし）", "(no department)";
    Status => "状態", "Status";
    LastLogin => "最終ログイン", "Last login";
    Never => "なし", "never";
    StatusActive => "有効", "Active";
    StatusDisabled => "無効", "Disabled";
    StatusLocked => "ロック中", "Locked";
    NoUsers => "該当する利用者はいません。", "No users match.";
    UserNewTitle => "利用者の追加", "Add a user";
    UserEditTitle => "利用者の編集", "Edit user";
    RolesLegend => "役割（1つ以上）", "Roles (at least one)";
    GrantsLegend => "個別権限", "Individual permissions";
    GrantsHint => "役割で与えられる権限に加えて、この利用者だけに与える権限です。", "Permissions given to this user on top of their roles.";
    InitialPassword => "初期パスワード", "Initial password";
    InitialPasswordHint => "空欄の場合は自動で生成し、登録後に一度だけ表示します。12文字以上で、英字と数字を含めてください。", "Leave empty to have one generated and shown once. At least 12 characters with letters and digits.";
    Register => "登録する", "Register";
    UserCreated => "利用者を登録しました。", "The user was registered.";
    OneTimePasswordTitle => "初期パスワード（一度だけ表示）", "Initial password (shown once)";
    OneTimePasswordNote => "この画面を離れると再表示できません。本人に安全な方法で伝えてください。初回ログイン時にパスワードの変更が必要です。", "It cannot be shown again after you leave this page. Pass it on securely; it must be changed at first login.";
    ChosenPasswordNote => "指定した初期パスワードを本人に安全な方法で伝えてください。", "Pass the password you chose on to the user securely.";
    ToUserEdit => "この利用者を編集する", "Edit this user";
    AccountActions => "アカウントの操作", "Account actions";
    Disable => "無効化する", "Disable";
    Enable => "有効化する", "Enable";
    ConfirmDisable => "この利用者を無効化しますか。無効化するとログインできなくなり、ログイン中のセッションは終了し、発行済みのAPIトークンはすべて失効します（有効化しても戻りません）。", "Disable this user? They will no longer be able to log in; their sessions end and all their API tokens are revoked (enabling them again does not bring the tokens back).";
    Disabled => "無効化しました。", "Disabled.";
    Enabled => "有効化しました。", "Enabled.";
    ResetPassword => "パスワードを再設定する", "Reset the password";
    ConfirmReset => "パスワードを再設定しますか。現在のパスワードは使えなくなり、この利用者のログイン中のセッションは終了し、発行済みのAPIトークンはすべて失効します。", "Reset the password? The current one stops working, the user's sessions end and all their API tokens are revoked.";
    LockedUntil => "ロック解除予定", "Locked until";
    CreatedAt => "登録日時", "Created";
    TotpEnabledLabel => "二段階認証", "Two-step verification";
    Yes => "設定済み", "set up";
    No => "未設定", "not set up";

    DepartmentsTitle => "所属", "Departments";
    DeptLead => "所属は 部 → 課 → 係 のような階層で管理します。使用を停止した所属は、新しい利用者には選べなくなりますが、履歴のために残ります。", "Departments form a tree (部 → 課 → 係). Inactive ones are kept for history but not offered for new users.";
    DeptName => "所属名", "Department name";
    DeptCode => "所属コード", "Department code";
    DeptParent => "上位の所属", "Parent department";
    TopLevel => "（最上位）", "(top level)";
    DeptAdd => "所属を追加する", "Add a department";
    Add => "追加する", "Add";
    DeptActive => "この所属を使用する", "In use";
    DeptInactive => "使用停止", "inactive";
    DeptAdded => "所属を追加しました。", "The department was added.";
    NoDepartments => "所属はまだ登録されていません。", "No departments yet.";
    DeptEditTitle => "所属の編集", "Edit department";

    AddressBookTitle => "アドレス帳", "Address book";
    AddressBookLead => "契約相手方の取引先と、その担当者を管理します。", "Counterparty organisations and their contacts.";
    OrgAdd => "取引先を追加する", "Add an organisation";
    OrgSearchLabel => "名称・カナで検索", "Search by name or kana";
    IncludeArchived => "アーカイブした取引先も表示する", "Include archived organisations";
    OrgName => "名称", "Name";
    OrgKana => "名称（カナ）", "Name (kana)";
    Address => "住所", "Address";
    Phone => "電話番号", "Phone";
    Notes => "備考", "Notes";
    Contacts => "担当者", "Contacts";
    Archived => "アーカイブ済み", "Archived";
    NoOrgs => "該当する取引先はいません。", "No organisations match.";
    OrgNewTitle => "取引先の追加", "Add an organisation";
    OrgEditTitle => "取引先の編集", "Edit organisation";
    OrgCreated => "取引先を追加しました。", "The organisation was added.";
    Archive => "アーカイブする", "Archive";
    Unarchive => "アーカイブを解除する", "Restore";
    ArchivedNote => "この取引先はアーカイブされています。契約相手方の選択肢には表示されません。", "This organisation is archived and not offered when choosing a counterparty.";
    ContactAdd => "担当者を追加する", "Add a contact";
    ContactEdit => "担当者の編集", "Edit contact";
    ContactAdded => "担当者を追加しました。", "The contact was added.";
    Division => "部署", "Division";
    JobTitle => "役職", "Title";
    NoContacts => "担当者はまだ登録されていません。", "No contacts yet.";
    ContactArchived => "この担当者をアーカイブする", "Archive this contact";
    ReadOnlyNote => "閲覧のみ可能です。編集するには「アドレス帳の編集」の権限が必要です。", "Read only. Editing needs the “Edit the address book” permission.";

    SettingsTitle => "設定", "Settings";
    TenantName => "団体名", "Organisation name";
    RequireTotp => "すべての利用者に二段階認証（認証アプリ）を必須にする", "Require two-step verification (authenticator app) for every user";
    SessionIdle => "無操作でログアウトするまでの時間（分）", "Idle time before logout (minutes)";
    SessionIdleHint => "5～480分の範囲で指定してください。", "Between 5 and 480 minutes.";
    SessionAbsolute => "ログインの有効時間の上限（時間）", "Maximum session length (hours)";
    SessionAbsoluteHint => "1～24時間の範囲で指定してください。", "Between 1 and 24 hours.";
    OutOfRange => "指定できる範囲を超えています。", "Out of the allowed range.";

    AccountTitle => "アカウント", "My account";
    MustChangePassword => "パスワードの変更が必要です。新しいパスワードを設定するまで、他の画面は利用できません。", "You must change your password before using other pages.";
    TotpSetupRequired => "この団体では二段階認証が必須です。設定が完了するまで、他の画面は利用できません。", "Your organisation requires two-step verification. Other pages are available once it is set up.";
    PasswordSection => "パスワードの変更", "Change password";
    PasswordChangeRevokes => "パスワードを変更すると、発行済みのAPIトークンはすべて失効し、この画面以外でログイン中のセッション（他の端末やブラウザ）は終了します。", "Changing your password revokes all your API tokens and ends your other sessions (other devices and browsers); this one stays.";
    CurrentPassword => "現在のパスワード", "Current password";
    NewPassword => "新しいパスワード", "New password";
    NewPasswordConfirm => "新しいパスワード（確認）", "New password (again)";
    PasswordPolicyHint => "12文字以上で、英字と数字を含め、ログインIDと異なるものにしてください。", "At least 12 characters with letters and digits, different from the login ID.";
    PasswordMismatch => "新しいパスワードが一致しません。", "The new passwords do not match.";
    ChangePassword => "パスワードを変更する", "Change password";
    PasswordChanged => "パスワードを変更しました。", "Your password was changed.";
    TotpSection => "二段階認証（認証アプリ）", "Two-step verification (authenticator app)";
    TotpIsOn => "二段階認証は設定済みです。ログイン時に確認コードの入力が必要です。", "Two-step verification is on: login asks for a code.";
    TotpIsOff => "二段階認証は設定されていません。", "Two-step verification is off.";
    TotpStart => "設定を始める", "Start set-up";
    TotpScan => "認証アプリ（Google Authenticator、Microsoft Authenticator など）で次のQRコードを読み取るか、シークレットキーを入力してください。", "Scan this QR code with an authenticator app, or type in the secret key.";
    TotpQrLabel => "二段階認証を設定するためのQRコード", "QR code for setting up two-step verification";
    TotpSecret => "シークレットキー", "Secret key";
    TotpUri => "設定用URI", "Set-up URI";
    TotpEnable => "二段階認証を有効にする", "Turn on";
    TotpEnabled => "二段階認証を有効にしました。", "Two-step verification is now on.";
    TotpDisable => "二段階認証を無効にする", "Turn off";
    TotpDisabled => "二段階認証を無効にしました。", "Two-step verification is now off.";
    TotpDisableHint => "無効にするには、現在のパスワードを入力してください。", "Enter your current password to turn it off.";

    AuditTitle => "操作ログ", "Audit log";
    AuditLead => "すべての操作が記録されます。記録は連鎖したハッシュで保護され、編集や削除があれば検出できます。", "Every operation is recorded. Entries are hash-chained, so an edit or deletion is detected.";
    AuditVerify => "改ざんの有無を検証する", "Verify the chain";
    AuditIntact => "操作ログに改ざんは見つかりませんでした。", "No tampering was found.";
    AuditBroken => "操作ログの改ざんの可能性があります。", "The log may have been tampered with.";
    AuditAt => "日時", "Time";
    AuditActor => "操作者", "Actor";
    AuditAction => "操作", "Action";
    AuditTarget => "対象", "Target";
    AuditResult => "結果", "Result";
    AuditIp => "IPアドレス", "IP address";
    ResultSuccess => "成功", "success";
    ResultFailure => "失敗", "failure";
    NoEvents => "記録はまだありません。", "No entries yet.";

    NavContracts => "契約一覧", "Contracts";
    NavContractNew => "新規作成", "New contract";
    NavApprovals => "承認待ち", "Approvals";

    ContractsTitle => "契約一覧", "Contracts";
    ContractsLead => "条件を指定して契約を検索できます。検索条件はURLに保存されるため、ブックマークして再利用できます。", "Search contracts. The filters are kept in the address, so a search can be bookmarked.";
    ContractSearchLabel => "件名・契約番号・相手方で検索", "Search title, number or counterparty";
    MoreFilters => "詳細な条件", "More filters";
    ClearFilters => "条件をクリアする", "Clear filters";
    SortLabel => "並び順", "Sort by";
    SortUpdated => "更新日時の新しい順", "Recently updated";
    SortConcluded => "締結日の新しい順", "Conclusion date (newest)";
    SortNumber => "契約番号順", "Contract number";
    SortAmount => "金額の大きい順", "Amount (largest)";
    StatesLegend => "状態", "State";
    ConcludedFrom => "締結日（から）", "Concluded from";
    ConcludedTo => "締結日（まで）", "Concluded to";
    AmountMin => "金額（以上）", "Amount at least";
    AmountMax => "金額（以下）", "Amount at most";
    AnyDepartment => "（すべての所属）", "(all departments)";
    NoContracts => "該当する契約はありません。", "No contracts match.";
    ContractNumber => "契約番号", "Contract number";
    ContractTitle => "件名", "Title";
    Counterparty => "相手方", "Counterparty";
    Amount => "契約金額（税込）", "Amount (incl. tax)";
    AmountShort => "金額", "Amount";
    Period => "契約期間", "Contract period";
    PeriodStart => "契約期間（開始日）", "Period from";
    PeriodEnd => "契約期間（終了日）", "Period to";
    ConcludedOn => "締結日", "Concluded on";
    UpdatedAt => "更新日時", "Updated";
    Retention => "保存期間", "Retention";
    CreatedBy => "作成者", "Created by";
    ExpiresAt => "回答期限", "Answer by";
    SentAt => "送信日時", "Sent";
    ConcludedAt => "締結日時", "Concluded";
    CustomFields => "任意項目", "Custom fields";
    CustomFieldKey => "項目名", "Field";
    CustomFieldValue => "値", "Value";
    CustomFieldAdd => "項目を追加する", "Add a field";
    Remove => "削除する", "Remove";
    MoveUp => "上へ", "Up";
    MoveDown => "下へ", "Down";
    Years => "年", " years";

    ContractNewTitle => "契約の新規作成", "New contract";
    ContractEditTitle => "契約の編集", "Edit contract";
    BasicData => "基本情報", "Basic data";
    ContractNumberHint => "空欄の場合は、団体の規則に従って自動で採番します。", "Leave empty to have it numbered by your organisation's pattern.";
    CounterpartyFromBook => "アドレス帳の取引先", "Organisation from the address book";
    NotFromBook => "（アドレス帳から選ばない）", "(not from the address book)";
    CounterpartyName => "相手方の名称", "Counterparty name";
    CounterpartyHint => "アドレス帳にない場合は、名称を入力してください。", "Type the name when it is not in the address book.";
    AmountHint => "半角数字で入力してください（例：1234000）。", "Digits only, e.g. 1234000.";
    Message => "相手方へのメッセージ", "Message to the counterparty";
    MessageHint => "確認依頼のメールに記載されます。", "Included in the request mail.";
    RecipientOrderLegend => "送信方法", "How recipients are asked";
    AllowForwarding => "相手方による転送を許可する", "Allow recipients to forward the request";
    StampLegend => "署名欄（印影）", "Visible stamp";
    StampEnable => "署名欄（印影）をPDFに表示する", "Show a visible stamp on the PDF";
    StampHint => "位置はページ左下からのポイント（1pt＝約0.35mm）で指定します。幅は120以上、高さは40以上にしてください。", "Position in points from the page's lower-left corner. Width at least 120, height at least 40.";
    StampPage => "ページ", "Page";
    Autosaved => "下書きを自動保存しました", "Draft saved automatically";
    AutosaveFailed => "自動保存できませんでした。「保存する」を押して内容をご確認ください。", "The draft could not be saved automatically. Press Save to see why.";
    DropHint => "ファイルをここにドラッグ＆ドロップしても登録できます。", "You can also drag and drop the file here.";
    StampPickerHint => "ページの上で署名欄をドラッグするか、置きたい場所をタップしてください（選んでから矢印キーでも動かせます）。位置は上の数値にも反映されます。", "Drag the stamp on the page or tap where it should go (arrow keys move it once selected). The numbers above follow.";
    StampPickerPage => "署名欄を置くページ", "The page the stamp goes on";
    StampPickerBox => "署名欄の位置", "Stamp position";
    StampPickerLabel => "署名欄", "Stamp";
    StampNeedsPdf => "主契約書のPDFを登録すると、ページの上で位置を選べます。", "Once the main PDF is uploaded, you can place the stamp on its page.";
    StampX => "左端（X）", "Left (x)";
    StampY => "下端（Y）", "Bottom (y)";
    StampW => "幅", "Width";
    StampH => "高さ", "Height";
    SaveDraft => "下書きを保存する", "Save draft";
    DraftCreated => "下書きを作成しました。続けて契約書のPDF、送信先、承認ルートを設定してください。", "The draft was created. Now add the PDF, the recipients and the approval route.";
    EditResetsApproval => "承認待ちの契約を編集すると、承認ルートの承認は取り消され、下書きに戻ります。", "Editing a contract pending approval clears its approvals and returns it to draft.";
    NotEditable => "この状態の契約は編集できません。", "This contract cannot be edited in its current state.";
    ToDetail => "契約の詳細へ", "To the contract";
    ToDetailHint => "設定が終わったら、詳細画面から承認申請または送信を行ってください。", "When everything is set, submit or send from the contract page.";

    Documents => "文書", "Documents";
    MainPdf => "契約書（PDF）", "Contract PDF";
    MainPdfHint => "契約書のPDFを選択すると、すぐにアップロードして署名できるか確認します。再度選択すると差し替えます。", "Choosing a PDF uploads it and checks that it can be signed. Choosing another replaces it.";
    AttachmentFile => "添付ファイル", "Attachment";
    AttachmentHint => "PDF、画像（PNG・JPEG・GIF・TIFF）、Word・Excel・PowerPoint、OpenDocument、テキスト、CSV、ZIPを添付できます。", "PDF, images (PNG, JPEG, GIF, TIFF), Word, Excel, PowerPoint, OpenDocument, text, CSV and ZIP files can be attached.";
    Uploading => "アップロード中です…", "Uploading…";
    Uploaded => "アップロードしました。", "Uploaded.";
    UploadFailed => "アップロードできませんでした", "Upload failed";
    NoDocuments => "文書はまだありません。", "No documents yet.";
    RoleMain => "契約書", "Contract";
    RoleAttachment => "添付ファイル", "Attachment";
    RoleSealed => "署名済み契約書", "Signed contract";
    RoleCertificate => "合意締結証明書", "Completion certificate";
    SealedAtAgreement => "合意時の署名", "Signed at agreement";
    SealedAtSending => "送信時の署名（決裁の記録）", "Sealed at sending (approval route)";
    SealedFinal => "最終版（長期署名）", "Final (long-term signature)";
    Download => "ダウンロードする", "Download";
    Pages => "ページ", "pages";

    Recipients => "送信先（契約相手方）", "Recipients (counterparty)";
    RecipientsHint => "契約相手方で合意する方を、合意してもらう順に登録します。", "The counterparty's signers, in signing order.";
    RecipientAdd => "送信先を追加する", "Add a recipient";
    RecipientFromBook => "アドレス帳の担当者から追加", "Add from the address book";
    ChooseContact => "（担当者を選んでください）", "(choose a contact)";
    OrganizationName => "組織名", "Organisation";
    AccessCode => "アクセスコード", "Access code";
    AccessCodeHint => "任意。6～32文字。メールとは別の方法（電話・郵送など）でお伝えください。", "Optional, 6–32 characters. Pass it on by phone or letter, not by the same mail.";
    AccessCodeReenter => "アクセスコードが設定されています。変更する場合だけ入力してください（空欄のまま保存すると、設定済みのコードを引き継ぎます）。", "An access code is set. Type a new one only to change it (left empty, the code is kept).";
    SaveRecipients => "送信先を保存する", "Save recipients";
    NoRecipients => "送信先はまだ登録されていません。", "No recipients yet.";
    Order => "順番", "Order";

    Route => "承認ルート", "Approval route";
    RouteHint => "承認ステップごとに承認者を選びます。「全員の承認」では、選んだ全員の承認で次へ進みます。", "Choose approvers per step. With “every approver”, all of them must approve.";
    StepAdd => "承認ステップを追加する", "Add a step";
    StepName => "ステップ名", "Step name";
    StepRule => "承認の条件", "Rule";
    Approvers => "承認者", "Approvers";
    ApproversUnavailable => "承認者の一覧を表示できません。設定済みの承認者だけを表示しています。", "The list of approvers cannot be shown; only the approvers already chosen are listed.";
    NoApprovers => "承認の権限を持つ利用者がいません。管理者に承認者の登録を依頼してください。", "Nobody may approve yet. Ask an administrator to add an approver.";
    SaveRoute => "承認ルートを保存する", "Save route";
    NoSteps => "承認ステップはまだありません。", "No steps yet.";
    TemplatePick => "ひな形から選ぶ", "Start from a template";
    TemplateNone => "（選んでください）", "(choose)";
    TemplatePickHint => "選んだひな形の承認ステップで置き換えます。確認してから「承認ルートを保存する」を押してください。", "Replaces the steps with the template's. Check them, then press “Save route”.";
    TemplatesTitle => "承認ルートのひな形", "Approval route templates";
    TemplatesHint => "所属ごとのいつもの承認ルートを登録しておくと、契約の編集画面で「ひな形から選ぶ」から写せます。", "Register each department's usual route; staff copy it into a contract with “Start from a template”.";
    TemplateAdd => "ひな形を追加する", "Add a template";
    TemplateEditTitle => "ひな形の編集", "Edit template";
    TemplateNewTitle => "新しいひな形", "New template";
    TemplateName => "名称", "Name";
    TemplateDepartment => "対象の所属", "Department";
    TemplateAllDepartments => "（すべての所属）", "(every department)";
    TemplateSteps => "承認ステップ", "Steps";
    TemplateArchive => "アーカイブする（選択肢に表示しない）", "Archive (no longer offered)";
    TemplateIncludeArchived => "アーカイブしたひな形も表示する", "Include archived templates";
    NoTemplates => "ひな形はまだありません。", "No templates yet.";
    Updated => "更新日時", "Updated";
    TokensTitle => "APIトークン", "API tokens";
    TokensHint => "文書管理システムなどがこのアカウントとして API を使うためのトークンです。できることは、あなたの権限のうち選んだものに限られます。", "Tokens let other systems (e.g. document management) use the API as this account, limited to the permissions you choose.";
    TokenIssue => "トークンを発行する", "Issue a token";
    TokenIssueButton => "発行する", "Issue";
    TokenName => "名称", "Name";
    TokenNameHint => "用途が分かる名前にしてください。操作ログに「token:名称」と記録されます。", "Name its use; the audit log records its actions as “token:name”.";
    TokenScopes => "許可する操作", "Permissions";
    TokenExpiry => "有効期間", "Valid for";
    TokenNoExpiry => "無期限", "No expiry";
    TokenShownOnce => "このトークンは今だけ表示されます。この画面を離れると二度と表示できません。安全な場所に保管してください。", "This token is shown only now. Once you leave this page it cannot be shown again. Store it safely.";
    TokenSecret => "トークン", "Token";
    TokenCopyHint => "欄を選ぶと全体が選択されます。コピー（Ctrl+C）して、連携するシステムに設定してください。", "Click the field to select it all, copy it (Ctrl+C) and enter it in the other system.";
    TokenSecretDone => "保管しました（表示を閉じる）", "I have stored it (close)";
    TokenList => "発行済みのトークン", "Issued tokens";
    NoTokens => "発行したトークンはありません。", "No tokens issued.";
    TokenCreated => "発行日時", "Issued";
    TokenLastUsed => "最終利用", "Last used";
    TokenExpiresAt => "有効期限", "Expires";
    TokenRevoked => "失効", "Revoked";
    TokenExpired => "期限切れ", "Expired";
    TokenRevoke => "失効させる", "Revoke";
    TokenConfirmRevoke => "このトークンを失効させます。連携しているシステムはこのトークンを使えなくなります。よろしいですか。", "Revoke this token? Systems using it will no longer be able to.";
    StepComplete => "承認済み", "approved";
    Step => "ステップ", "Step";
    Undecided => "未承認", "pending";

    ContractDetail => "契約の詳細", "Contract";
    ContractData => "契約の内容", "Contract data";
    Actions => "操作", "Actions";
    Reason => "理由", "Reason";
    ReasonRequired => "差し戻しの理由を入力してください。", "Enter the reason for sending back.";
    CommentOptional => "コメント（任意）", "Comment (optional)";
    Cancel => "やめる", "Cancel";
    ActionDone => "操作が完了しました。", "Done.";
    SubmitDone => "承認申請しました。承認依頼のメールを次の方に送信しました：", "Submitted for approval. The request was mailed to: ";
    SubmitDoneNoMail => "承認申請しました。", "Submitted for approval.";
    SendDone => "送信しました。確認依頼のメールを次の方に送信しました：", "Sent. The signing request was mailed to: ";
    ActorSystem => "システム", "System";
    ConcludingNote => "電子署名とタイムスタンプを付与しています。完了すると自動で表示が更新されます。", "The signature and timestamp are being applied. This page updates when it is done.";
    SendSealing => "送信しました。送信時の電子署名（決裁の記録）を付与したあと、相手方へ確認依頼のメールを送信します。", "Sent. The counterparties are mailed once the file is sealed at sending (with the approval route).";
    SendingSealNote => "送信時の電子署名（送信者と決裁の記録）を付与しています。完了すると相手方へ確認依頼のメールが送信され、自動で表示が更新されます。", "The file is being sealed at sending (sender and approval route). The counterparties are then mailed; this page updates when it is done.";
    SealRetrying => "電子署名の処理に失敗しました。自動で再試行しています。", "Sealing failed; it is being retried automatically.";
    SealGaveUp => "電子署名を完了できず、自動の再試行を終了しました。管理者に連絡してください（管理者にはメールで通知しています）。", "Sealing could not be completed and will not be retried. Please contact your administrator (they have been told by mail).";
    SealAttempts => "試行回数", "Attempts";
    SealNextAttempt => "次回の再試行", "Next attempt";
    Forwarding => "転送", "Forwarding";
    Allowed => "許可する", "allowed";
    NotAllowed => "許可しない", "not allowed";
    RecipientState => "状態", "State";
    AccessCodeSet => "アクセスコードあり", "access code";

    ApprovalsTitle => "承認待ち", "Waiting for your approval";
    ApprovalsLead => "あなたが承認者になっている、承認待ちの契約です。", "Contracts waiting for your approval.";
    NoApprovals => "承認待ちの契約はありません。", "Nothing is waiting for your approval.";

    SignTitle => "契約書の確認", "Review the contract";
    SignFrom => "から、契約書の確認依頼が届いています。", " has sent you a contract to review.";
    SignDear => "様", "";
    SignCodeLead => "ご本人確認のため、登録されたメールアドレスに6桁の確認コードをお送りします。", "To confirm it is you, we will mail a 6-digit code to your registered address.";
    SignSendCode => "確認コードを送信", "Send the code";
    SignResendCode => "確認コードを再送信", "Send the code again";
    SignCodeSent => "確認コードを送信しました。メールをご確認のうえ、10分以内に入力してください。", "The code was sent. Check your mail and enter it within 10 minutes.";
    SignCode => "確認コード（6桁）", "Code (6 digits)";
    SignAccessCode => "アクセスコード", "Access code";
    SignAccessCodeHint => "送信者から電話や郵送などでお知らせしたコードです。", "The code the sender gave you by phone or letter.";
    SignVerify => "確認する", "Confirm";
    SignDocuments => "契約書", "Documents";
    SignOpen => "PDFを開く", "Open the PDF";
    PdfPreview => "文書のプレビュー", "Document preview";
    PdfPageLabel => "{n} / {count} ページ", "Page {n} of {count}";
    PdfFailed => "この文書はここでは表示できません。「ダウンロードする」で保存してご確認ください。", "This document cannot be shown here. Use Download to save and check it.";
    PdfZoom => "表示の大きさ", "Zoom";
    ZoomOut => "縮小", "Zoom out";
    ZoomFit => "幅に合わせる", "Fit width";
    ZoomIn => "拡大", "Zoom in";
    ShowPreview => "プレビュー", "Preview";
    HidePreview => "プレビューを閉じる", "Close preview";
    SignViewerNote => "内容をご確認ください。「PDFを開く」で別のタブに、「ダウンロードする」で端末に保存できます。", "Please read the document. Open the PDF shows it in a new tab; Download saves it to your device.";
    SignConsent => "内容を確認し、合意します", "I have read the contract and agree";
    SignAgree => "合意する", "Agree";
    SignAgreeHint => "合意すると取り消すことはできません。", "An agreement cannot be withdrawn.";
    SignDecline => "合意しない", "Do not agree";
    SignDeclineReason => "合意しない理由", "Reason";
    SignDeclineSubmit => "却下する", "Decline";
    SignForward => "担当者を変更する（転送）", "Forward to a colleague";
    SignForwardLead => "社内の別の方に確認をお願いする場合は、その方の氏名とメールアドレスを入力してください。この依頼は転送先の方に移ります。氏名・組織名には記号やURLは使えません。", "To hand this request to a colleague, enter their name and e-mail. The request moves to them. Names cannot contain symbols or URLs.";
    SignForwardSubmit => "転送する", "Forward";
    SignForwardAccessCode => "この依頼にはアクセスコードが設定されています。転送先の方も同じアクセスコードが必要ですので、メール以外の方法でお伝えください。", "This request has an access code. Your colleague needs the same code: tell them by a means other than e-mail.";
    SignAgreed => "合意いただきました。ありがとうございました。ほかの方の合意がそろうと、電子署名済みの契約書をこのページからダウンロードできます。", "Thank you for agreeing. When the others have agreed too, the signed contract can be downloaded from this page.";
    SignSealing => "合意いただきました。ありがとうございました。すべての方の合意がそろいましたので、電子署名とタイムスタンプを付与しています。完了するとこのページが自動で更新されます。", "Thank you for agreeing. Everyone has agreed: the signature and timestamp are being applied. This page updates when it is done.";
    SignDeclined => "合意しないことを送信者にお伝えしました。", "The sender has been told you do not agree.";
    SignForwarded => "この依頼は転送されました。転送先の方にメールでお知らせしています。", "This request was forwarded. The colleague has been notified by mail.";
    SignConcludedMailed => "契約が締結されました。電子署名済みの契約書をダウンロードできるリンクを、メールでお送りしました。", "The contract is concluded. A link to download the signed contract has been mailed to you.";
    SignConcluded => "契約が締結されました。電子署名済みの契約書をダウンロードできます。", "The contract is concluded. You can download the signed contract.";
    SignLinkNote => "このページのURLはあなた専用です。他の方に共有しないでください。", "This link is personal. Do not share it.";
    SignMessage => "送信者からのメッセージ", "Message from the sender";

    PublicNotFound => "ページが見つかりません。メールのリンクまたはQRコードをもう一度お確かめください。", "Page not found. Please check the link in the mail or the QR code.";
    VerifyTitle => "電子署名の検証", "Verify a signed PDF";
    VerifyLead => "電子署名された契約書（PDF）を選んで「検証する」を押すと、電子署名とタイムスタンプが有効かどうかを確認します。ログインは不要です。ファイルは検証のためだけに使い、保存しません。", "Choose a signed contract (PDF) and press Verify to check its signatures and timestamps. No login is needed; the file is used for the check only and not kept.";
    VerifyFile => "PDFファイル", "PDF file";
    VerifyChooseFile => "検証するPDFファイルを選んでください。", "Choose the PDF file to verify.";
    VerifySubmit => "検証する", "Verify";
    VerifyResult => "検証結果", "Result";
    VerifyAllValid => "すべての電子署名とタイムスタンプは有効です。署名後に内容は変更されていません。", "Every signature and timestamp is valid. The content has not changed since signing.";
    VerifyNotValid => "有効でない電子署名またはタイムスタンプがあります。下の詳細をご確認ください。", "A signature or timestamp is not valid. See the details below.";
    VerifyNoSignature => "このPDFには電子署名がありません。", "This PDF has no signature.";
    VerifyLtv => "長期署名（LTV）", "Long-term validation (LTV)";
    VerifyIssuer => "このサービスの発行", "Issued by this service";
    VerifyIssuedYes => "このサービスが発行したファイルと一致します。", "Matches a file this service issued.";
    VerifyIssuedNo => "このサービスが発行したファイルとの一致は確認できませんでした。", "No file issued by this service matches.";
    VerifyDocumentRole => "文書の種類", "Document";
    VerifySha256 => "ファイルのハッシュ値（SHA-256）", "File hash (SHA-256)";
    SigKindSignature => "電子署名", "Signature";
    SigKindTimestamp => "タイムスタンプ（アーカイブタイムスタンプ）", "Document timestamp (archive timestamp)";
    SigValid => "有効", "Valid";
    SigInvalid => "無効", "Not valid";
    SigSigner => "署名者", "Signed by";
    SigTsa => "時刻認証局", "Time-stamping authority";
    SigReason => "記録された内容", "What it records";
    SigTime => "時刻（タイムスタンプ）", "Time (timestamp)";
    SigIntact => "改ざんの有無", "Tampering";
    SigIntactYes => "署名後の変更はありません", "Unchanged since signing";
    SigIntactNo => "署名後に変更されています", "Changed after signing";
    SigCrypto => "署名の検証", "Signature check";
    SigCryptoYes => "正しく検証できました", "Verifies";
    SigCryptoNo => "検証できません", "Does not verify";
    SigTrusted => "証明書", "Certificate";
    SigTrustedYes => "信頼できる認証局の証明書です", "Issued by a trusted authority";
    SigTrustedNo => "信頼できる認証局の証明書ではありません", "Not issued by a trusted authority";
    SigCoverage => "署名の範囲", "Covers";
    CoverageFile => "ファイル全体", "The whole file";
    CoverageRevision => "署名時点のファイル全体（その後は検証情報の追加のみ）", "The whole file as signed (only validation data added since)";
    CoveragePartial => "ファイルの一部のみ", "Only part of the file";
    SigField => "署名欄", "Signature field";
    SigProblems => "検証で見つかった問題（検証ツールの英語の説明）", "Problems found by the verifier";
    PublicContractTitle => "契約の確認", "Contract check";
    PublicContractLead => "契約書のQRコードから表示しています。契約の内容は表示しません。", "Shown from the contract's QR code. The contract's content is not shown.";
    PublicSeal => "電子署名", "Seal";
    PublicSealYes => "電子署名・タイムスタンプが付与されています", "Signed and timestamped";
    PublicSealNo => "電子署名はまだ付与されていません", "Not signed yet";
    PublicToVerify => "契約書のPDFファイルを検証する", "Verify the contract's PDF file";
    LtvComplete => "長期検証可能", "Long-term verifiable";
    LtvIncomplete => "長期検証に必要な情報が不足しています", "Validation data for long-term verification is incomplete";
    LtvNotPades => "PAdES形式の有効な電子署名がありません", "No valid PAdES signature";
    SigLevel => "PAdES レベル", "PAdES level";
    SigLevelNone => "—（PAdES 形式の有効な署名ではありません）", "— (not a valid PAdES signature)";
    SigLtv => "長期検証", "Long-term validation";
    SigLtvComplete => "長期検証可能（検証情報がファイル内にあり、後の文書タイムスタンプで保護されています）", "Long-term verifiable (the validation data is in the file, protected by a later document timestamp)";
    SigLtvInFile => "検証情報はファイル内にありますが、後の文書タイムスタンプでまだ保護されていません", "The validation data is in the file but not yet protected by a later document timestamp";
    SigLtvMissing => "検証情報が不足しています", "Validation data is missing";
    LtvGapTimestamp => "時刻の証明（タイムスタンプ）がありません", "No verified time (timestamp)";
    LtvGapRevocation => "失効情報がファイル内にありません", "No revocation data in the file";
    LtvGapNotCovered => "失効情報が最後の文書タイムスタンプより後に追加されています", "Revocation data added after the newest document timestamp";
    LtvGapDocumentTimestamp => "この後の文書タイムスタンプ（アーカイブタイムスタンプ）がありません", "No later document timestamp (archive timestamp)";
    SigRevocation => "失効情報", "Revocation";
    RevCheckedOcsp => "確認済み（ファイル内のOCSP応答）", "Checked (OCSP responses in the file)";
    RevCheckedCrl => "確認済み（ファイル内のCRL）", "Checked (CRLs in the file)";
    RevCheckedBoth => "確認済み（ファイル内のOCSP応答とCRL）", "Checked (OCSP responses and CRLs in the file)";
    RevRevoked => "失効しています（署名時点で失効していた証明書があります）", "Revoked (a certificate was revoked at the signing time)";
    RevPartly => "一部未確認（ファイル内に失効情報がない証明書があります）", "Partly unchecked (some certificates have no revocation data in the file)";
    RevNotChecked => "未確認（ファイル内に失効情報がありません）", "Not checked (no revocation data in the file)";
    RevNothing => "確認対象の証明書がありません", "No certificate to check";
    RevGood => "失効していません", "Not revoked";
    RevRevokedOne => "署名時点で失効", "Revoked before the signing time";
    RevRevokedLater => "署名後に失効（署名は有効）", "Revoked after the signing time (signature still valid)";
    RevUnknown => "不明（応答者がこの証明書を知りません）", "Unknown to the responder";
    RevMissingOne => "失効情報なし", "No revocation data";
    RevViaOcsp => "OCSP応答", "OCSP response";
    RevViaCrl => "CRL", "CRL";
    RevInDss => "ファイル内（DSS）", "in the file (DSS)";
    RevInSignature => "署名内", "inside the signature";
    RevOnline => "オンライン取得", "fetched online";
    RevTsaChain => "時刻認証局", "TSA";
    RevRefused => "採用しなかった失効情報", "Refused revocation data";
    TrustGuideLink => "電子署名の信頼性と Acrobat での表示について", "About trusting the seal and what Acrobat shows";
    // Maintenance notices (お知らせ).
    NoticesLabel => "お知らせ", "Notices";
    NoticeNow => "実施中", "Now";
    NoticeUpcoming => "予定", "Upcoming";
    NoticePeriod => "期間", "When";
    NavNotices => "お知らせの管理", "Notices";
    NoticesTitle => "お知らせの管理", "Maintenance and outage notices";
    NoticesIntro => "メンテナンスや障害のお知らせは、職員の画面と契約相手方の確認画面に開始の7日前から終了まで表示されます。計画メンテナンスは管理者にメールでもお知らせします（掲載時と開始の前日）。", "Notices are shown on staff pages and on counterparties' signing pages from 7 days before they start until they end. Planned maintenance is also mailed to administrators (on publication and the day before).";
    NoticeKindField => "種別", "Kind";
    NoticeStartsAt => "開始日時", "Starts";
    NoticeEndsAt => "終了日時（予定）", "Ends (planned)";
    NoticeTitleField => "件名", "Title";
    NoticeTextField => "本文", "Text";
    NoticePublish => "掲載する", "Publish";
    NoticeWithdraw => "取り下げる", "Withdraw";
    NoticeWithdrawn => "取り下げ済み", "Withdrawn";
    NoticeShown => "表示中", "Shown";
    NoticeNotShown => "非表示", "Not shown";
    NoticeNone => "お知らせはありません。", "No notices.";
    NoticePublished => "お知らせを掲載しました。", "The notice is published.";
    NoticeNew => "お知らせを掲載する", "Publish a notice";
    NoticeList => "掲載したお知らせ", "Published notices";
    NoticeTimeHint => "日本時間で入力してください。", "Enter the time in Japan Standard Time.";
    // Retention and disposition (保存期間・廃棄):
    NavDispositions => "廃棄", "Disposition";
    RetentionTitle => "保存期間・廃棄保留", "Retention and legal hold";
    RetentionEnd => "保存期限", "Retain until";
    RetentionEndOpen => "締結・終了後に決まります", "Set once the contract has ended";
    RetentionOverride => "保存期間を変更する", "Change the retention period";
    RetentionYearsField => "保存期間（年）", "Retention (years)";
    RetentionOverrideHint => "1〜100年。保存期限は団体の設定（翌年度4月1日起算など）で計算されます。", "1–100 years. The end follows the tenant's rule (e.g. from April 1 of the next fiscal year).";
    RetentionChanged => "保存期間を変更しました。", "Retention period changed.";
    LegalHold => "廃棄保留", "Legal hold";
    LegalHoldOn => "廃棄保留中です（訴訟ホールド）。保存期限を過ぎても廃棄できません。", "On legal hold: it cannot be disposed of, whatever its retention end.";
    LegalHoldOff => "廃棄保留は設定されていません。", "No legal hold.";
    LegalHoldReason => "廃棄保留の理由", "Reason for the legal hold";
    LegalHoldApply => "廃棄保留にする", "Place on legal hold";
    LegalHoldRelease => "廃棄保留を解除する", "Release the legal hold";
    LegalHoldSet => "廃棄保留にしました。", "Placed on legal hold.";
    LegalHoldReleased => "廃棄保留を解除しました。", "Legal hold released.";
    TombstoneTitle => "廃棄記録", "Disposal record";
    TombstoneNote => "この契約は保存期間の満了により廃棄されました。ファイルと個人情報は削除済みで、以下の記録と操作ログが残っています。", "This contract was disposed of after its retention period. Its files and personal data are deleted; this record and the audit log remain.";
    TombstonePriorState => "廃棄前の状態", "State before disposal";
    TombstoneFiles => "削除したファイル（SHA-256）", "Deleted files (SHA-256)";
    DisposedAt => "廃棄日時", "Disposed at";
    DispositionsTitle => "廃棄", "Disposition";
    DispositionsLead => "保存期限を過ぎた契約（廃棄候補）を選んで廃棄を申請します。廃棄は申請者とは別の管理者が承認したときに実行され、ファイルと個人情報が削除されます。廃棄保留中の契約は候補に表示されません。", "Select contracts past their retention end (candidates) and request their disposition. Another administrator must approve; the files and personal data are then deleted. Contracts on legal hold are not listed.";
    DispositionCandidates => "廃棄候補", "Disposition candidates";
    DispositionNoCandidates => "保存期限を過ぎた契約はありません。", "No contract is past its retention end.";
    DispositionSelect => "選択", "Select";
    DispositionPendingBadge => "申請中", "Requested";
    DispositionReason => "廃棄の理由", "Reason for the disposition";
    DispositionReasonHint => "例：令和8年度 保存期間満了分", "e.g. retention ended in FY2026";
    DispositionRequest => "廃棄を申請する", "Request disposition";
    DispositionRequested => "廃棄を申請しました。別の管理者の承認を待っています。", "Disposition requested; waiting for another administrator's approval.";
    DispositionRequests => "廃棄申請", "Disposition requests";
    DispositionNoRequests => "廃棄申請はありません。", "No disposition requests.";
    DispositionRequestedBy => "申請者", "Requested by";
    DispositionApprovedBy => "承認者", "Approved by";
    DispositionDecidedBy => "処理者", "Decided by";
    DispositionApproveNote => "承認すると、対象の契約のファイルと個人情報が削除されます。元に戻せません。", "Approving deletes the contracts' files and personal data. This cannot be undone.";
    DispositionWaitingForSecond => "別の管理者の承認を待っています。", "Waiting for another administrator.";
    DispositionApprove => "承認して廃棄する", "Approve and dispose";
    DispositionReject => "却下する", "Reject";
    DispositionCancel => "申請を取り消す", "Cancel the request";
    DispositionApproved => "廃棄を承認しました。ファイルと個人情報を削除しました。", "Disposition approved; the files and personal data were deleted.";
    DispositionRejected => "廃棄申請を却下しました。", "Disposition request rejected.";
    DispositionCancelled => "廃棄申請を取り消しました。", "Disposition request cancelled.";
    DispositionStatePending => "承認待ち", "Pending";
    DispositionStateApproved => "廃棄済み", "Disposed";
    DispositionStateRejected => "却下", "Rejected";
    DispositionStateCancelled => "取消", "Cancelled";
    RetentionRuleTitle => "保存期間の数え方", "How retention is counted";
    RetentionRuleLead => "契約の保存期限の計算方法です。変更すると、既存の契約の保存期限にもすぐ反映されます。", "How each contract's retention end is computed; a change applies to existing contracts at once.";
    RetentionConventionLabel => "起算方法", "Counting";
    RetentionConventionFiscalYear => "翌年度の4月1日から起算（公文書の例）", "From April 1 of the next fiscal year (public records)";
    RetentionConventionAnniversary => "起算日から起算（同じ日まで）", "From the day itself (until the same day)";
    RetentionBasisLabel => "起算日", "Counted from";
    RetentionBasisConcludedOn => "契約締結日", "The conclusion date";
    RetentionBasisPeriodEnd => "契約期間の終了日（締結日より後の場合）", "The end of the contract period (when later)";
    PublicDisposedOn => "この契約の記録は保存期間の満了により廃棄されました。廃棄日：", "This record was disposed of after its retention period on ";
    // Monthly usage report (月次利用状況報告).
    NavReports => "月次利用状況報告", "Monthly report";
    ReportsTitle => "月次利用状況報告", "Monthly usage report";
    ReportsLead => "月ごと（日本時間の暦月）・所属ごとの利用状況です。毎月1日に前月分を作成し、管理者にメールでお知らせします。", "Use per month (JST calendar month) and department. The previous month's report is made on the 1st and mailed to the administrators.";
    ReportsMonth => "対象月", "Month";
    ReportsShow => "表示する", "Show";
    ReportsPdf => "PDFで出力する", "Export as PDF";
    ReportsDepartment => "所属", "Department";
    ReportsGeneratedAt => "集計日時", "Computed at";
    ReportsPartial => "（月の途中のため、現時点までの集計です）", "(the month is not over: figures so far)";
    ReportsStored => "（毎月の報告として作成・送付した内容です）", "(as made and mailed as the monthly report)";

    // Records management: the fiscal-year export (年度別一括出力).
    NavExports => "年度別一括出力", "Fiscal-year export";
    ExportTitle => "年度別一括出力", "Fiscal-year export";
    ExportLead => "年度（4月～翌年3月、契約締結日による）の締結済み契約を、電子署名済PDF・原本・添付資料・合意締結証明書・経過記録・索引とともに1つのZIPファイルに出力します。ファイル一覧（マニフェスト）には本サービスの電子署名とタイムスタンプが付きます。", "Exports the contracts concluded in a fiscal year (April to March, by date of conclusion) with their sealed PDFs, originals, attachments, completion certificates, event logs and an index as one ZIP file. Its manifest is sealed and timestamped by the service.";
    ExportRequestTitle => "出力の依頼", "Request an export";
    ExportFiscalYear => "年度", "Fiscal year";
    ExportFiscalYearHint => "例: 2026（2026年4月1日～2027年3月31日に締結した契約）", "E.g. 2026 (contracts concluded from 1 April 2026 to 31 March 2027)";
    ExportDepartment => "所属", "Department";
    ExportAllDepartments => "すべての所属", "All departments";
    ExportCp932 => "Shift_JIS（CP932）の索引も出力する（古いExcel向け）", "Also write the index in Shift_JIS (CP932) for older Excel";
    ExportSubmit => "出力を依頼する", "Request the export";
    ExportRequested => "出力を依頼しました。完了するとダウンロードできます。", "The export was requested. You can download it when it is complete.";
    ExportListTitle => "出力の状況", "Exports";
    ExportNone => "まだ出力はありません。", "No exports yet.";
    ExportQueued => "待機中", "Queued";
    ExportRunning => "出力中", "Writing";
    ExportDone => "完了", "Done";
    ExportFailed => "失敗", "Failed";
    ExportProgress => "出力の進み具合", "Export progress";
    ExportDownload => "ZIPファイルをダウンロードする", "Download the ZIP file";
    ExportFailedHelp => "出力できませんでした。もう一度依頼するか、運用担当者にお問い合わせください。", "The export failed. Request it again or contact the operator.";

    // Webhooks (Webhook 通知).
    NavWebhooks => "Webhook 通知先", "Webhooks";
    WebhooksTitle => "Webhook 通知先", "Webhook endpoints";
    WebhooksLead => "契約の送信・閲覧・同意・締結などを、財務会計システムなどほかのシステムへ通知します。通知には署名（Tachiai-Signature）が付きます。受け取る側は署名と時刻を確認し、イベントIDで重複を除いてください。", "Tells other systems (financial accounting, document management) when a contract is sent, viewed, agreed, concluded and so on. Each notification is signed (Tachiai-Signature); receivers check the signature and time and drop repeated event IDs.";
    WebhookNew => "通知先の登録", "Register an endpoint";
    WebhookUrl => "通知先URL", "Endpoint URL";
    WebhookUrlHint => "https:// で始まるURL（受け取る側のシステムのもの）", "A URL starting with https:// (of the receiving system)";
    WebhookDescription => "説明", "Description";
    WebhookEvents => "通知するイベント", "Events";
    WebhookActive => "有効", "Active";
    WebhookInactive => "無効", "Inactive";
    WebhookRegister => "登録する", "Register";
    WebhookRegistered => "通知先を登録しました。", "The endpoint was registered.";
    WebhookSecretTitle => "署名シークレット", "Signing secret";
    WebhookSecretOnce => "このシークレットは今だけ表示されます。受け取る側のシステムに設定してください。", "This secret is shown only now. Configure it in the receiving system.";
    WebhookSecretFor => "通知先", "Endpoint";
    WebhookList => "登録済みの通知先", "Endpoints";
    WebhookNone => "通知先はまだありません。", "No endpoints yet.";
    WebhookEnable => "有効にする", "Enable";
    WebhookDisable => "無効にする", "Disable";
    WebhookRotate => "シークレットを更新する", "Rotate the secret";
    WebhookRotateHint => "更新から24時間は、旧シークレットによる署名も併記されます。", "For 24 hours after a rotation, deliveries also carry a signature by the old secret.";
    WebhookDelete => "削除する", "Delete";
    WebhookDeleteConfirm => "この通知先と配信履歴を削除します。よろしいですか？", "Delete this endpoint and its delivery log?";
    WebhookShowLog => "配信履歴を見る", "Show deliveries";
    WebhookLog => "配信履歴", "Deliveries";
    WebhookLogNone => "配信はまだありません。", "No deliveries yet.";
    WebhookRedeliver => "再送する", "Redeliver";
    WebhookAttempts => "試行", "Attempts";
    WebhookNoAnswer => "応答なし", "No answer";
    // Document templates (ひな形) and bulk sending (一括送信).
    NavDocTemplates => "ひな形・一括送信", "Templates and bulk sending";
    DocTemplatesTitle => "契約書のひな形", "Contract templates";
    DocTemplatesHint => "所属でよく使う契約書（PDF・添付資料・項目の初期値・承認ルート・送付先の枠）をひな形として登録し、契約の作成や一括送信に使います。", "Register the contracts your department uses often (PDF, attachments, field defaults, approval route, recipient slots) as templates for new contracts and bulk sending.";
    DocTemplateAdd => "ひな形を登録する", "Add a template";
    DocTemplateNew => "ひな形の登録", "New template";
    DocTemplateEdit => "ひな形の変更", "Edit the template";
    DocTemplateNone => "ひな形はまだありません。", "No templates yet.";
    DocTemplateName => "ひな形の名称", "Template name";
    DocTemplateRoute => "承認ルート", "Approval route";
    DocTemplateNoRoute => "承認ルートなし", "No approval route";
    DocTemplateTitleDefault => "件名（初期値）", "Title (default)";
    DocTemplateCounterpartyDefault => "相手方名（初期値）", "Counterparty (default)";
    DocTemplateAmountDefault => "契約金額（円・初期値）", "Amount in yen (default)";
    DocTemplateMessageDefault => "依頼メールのメッセージ（初期値）", "Request mail message (default)";
    DocTemplateSlot => "送付先の枠（役割）", "Recipient slot (role)";
    DocTemplateSlotHint => "例: 受注者。氏名とメールアドレスは契約ごとに入力します。", "E.g. 受注者 (contractor). The name and address are entered per contract.";
    DocTemplateFiles => "ファイル", "Files";
    DocTemplateMainPdf => "契約書PDFを登録する", "Upload the contract PDF";
    DocTemplateAttachment => "添付資料を追加する", "Add an attachment";
    DocTemplateSaveFirst => "ファイルはひな形を保存してから登録できます。", "Files can be added once the template is saved.";
    FromTemplateTitle => "ひな形から作成", "Create from a template";
    FromTemplateHint => "ひな形の契約書PDF・項目・承認ルート・送付先の枠を引き継いだ下書きを作成します。", "Creates a draft with the template's PDF, fields, approval route and recipient slots.";
    FromTemplateChoose => "ひな形", "Template";
    FromTemplateChooseNone => "ひな形を選んでください", "Choose a template";
    FromTemplateCounterparty => "相手方名", "Counterparty";
    FromTemplateContact => "担当者名", "Contact name";
    FromTemplateEmail => "メールアドレス", "E-mail address";
    FromTemplateCreate => "ひな形から下書きを作成する", "Create a draft from the template";
    BulkTitle => "一括送信", "Bulk sending";
    BulkHint => "CSVファイル（UTF-8またはShift_JIS、1行目は見出し: 相手方名,担当者名,メールアドレス[,件名,金額,契約期間開始,契約期間終了,備考,メッセージ]、2,000行まで）の行ごとに契約を作成して送信します。承認ルートのあるひな形では、承認申請までを行います。すべての行に誤りがない場合だけ作成します。", "Creates and sends one contract per row of a CSV file (UTF-8 or Shift_JIS; header: 相手方名,担当者名,メールアドレス[,件名,金額,契約期間開始,契約期間終了,備考,メッセージ]; up to 2,000 rows). With an approval route the contracts are submitted for approval. Nothing is created unless every row is valid.";
    BulkFile => "CSVファイル", "CSV file";
    BulkStart => "一括送信を開始する", "Start the bulk send";
    BulkErrors => "誤りのある行", "Rows with errors";
    BulkLine => "行目", "line";
    BulkProgress => "一括送信の進み具合", "Bulk send progress";
    BulkRunning => "処理中", "Running";
    BulkDone => "完了", "Done";
    BulkCounts => "作成・送信・承認申請・失敗", "Created, sent, submitted, failed";
    // Network zones (ネットワークゾーン).
    ZonesTitle => "ネットワークゾーン（接続元）", "Network zones (where staff connect from)";
    ZonesLead => "職員がログインできる接続元を、LGWAN-ASPとインターネットのゾーンごとに設定します。設定すると、有効なゾーンの接続元以外からのログインと操作は拒否され、操作ログに記録されます。LGWANの障害時は、インターネットのゾーンを有効にして切り替えます（再起動は不要です）。URLは、職員向けのメール（LGWAN）と相手方向けのメール・検証用URL（インターネット）に使われます。", "Where staff may log in from, per zone: LGWAN-ASP and the internet. Once set, logins and requests from outside the enabled zones are refused and recorded in the audit log. During an LGWAN outage, enable the internet zone (no restart needed). The URLs are used in staff mails (LGWAN) and in counterparty mails and verification links (internet).";
    ZonesEnabled => "このゾーンからのログインを許可する", "Allow staff to log in from this zone";
    ZonesCidrs => "許可する接続元（IPアドレスまたはCIDR、1行に1つ）", "Allowed addresses (IP or CIDR, one per line)";
    ZonesCidrsHint => "有効にするゾーンには1つ以上必要です。すべての接続元を許可する場合は 0.0.0.0/0 と ::/0 を入力します。", "An enabled zone needs at least one. For any address, enter 0.0.0.0/0 and ::/0.";
    ZonesUrl => "このゾーンのURL（空欄: サーバーの公開URL）", "This zone's URL (empty: the server's public URL)";
    ZonesYourAddress => "現在の接続元", "Your address";
    ZonesNoZone => "どのゾーンにも含まれません", "in no zone";
    ZonesOn => "制限中", "Restricted";
    ZonesOff => "未設定（すべての接続元を許可）", "Not set (any address allowed)";
    // Sanitisation-safe delivery (無害化装置を通したファイルの確認).
    DocSha256 => "SHA-256（原本のハッシュ値）", "SHA-256 of the original";
    CheckTitle => "ファイルの確認", "Checking a file";
    CheckHint => "無害化装置などを通したファイルが原本と同じかは、SHA-256 を上の値と比べるか、検証ページにファイルを読み込ませて確かめられます。", "Whether a file that passed a sanitising gateway is still the original can be checked by comparing its SHA-256 with the value above, or by loading it into the verification page.";
    CheckById => "公開の確認ページ（契約番号・締結日・電子署名の状態）", "Public check page (number, conclusion date, seal status)";
    CheckByUpload => "ファイルを読み込ませて検証する", "Verify a file by uploading it";
    VerifyDerivedTitle => "原本から書き換えられたファイルです", "A rewritten copy of an original";
    VerifyDerivedOpen => "契約の確認ページを開く", "Open the contract's check page";
    // SMS verification of counterparties (SMS認証).
    MobilePhoneSms => "携帯電話番号（SMS認証）", "Mobile number (SMS verification)";
    MobilePhoneSmsHint => "任意。入力すると、相手方は合意の前に、この番号にSMSで届く認証コードの入力が必要になります（070・080・090で始まる番号）。", "Optional. When given, the counterparty must also enter a code sent to this number by SMS before answering (numbers starting 070, 080 or 090).";
    SignSmsTitle => "SMS認証", "SMS verification";
    SignSmsLead => "この依頼では、合意の前に携帯電話でのSMS認証が必要です。次の番号に6桁の認証コードをお送りします。", "This request needs SMS verification before you answer. We will send a 6-digit code to this number.";
    SignSmsSend => "SMSで認証コードを送信", "Send the code by SMS";
    SignSmsResend => "認証コードを再送信", "Send the code again";
    SignSmsSent => "SMSを送信しました。届いた認証コードを10分以内に入力してください。", "The SMS was sent. Enter the code within 10 minutes.";
    SignSmsCode => "SMSの認証コード（6桁）", "SMS code (6 digits)";
    SignSmsVerify => "認証する", "Verify";
    SignForwardPhone => "転送先の方の携帯電話番号（SMS認証）", "Colleague's mobile number (SMS verification)";
    SignForwardPhoneHint => "この依頼にはSMS認証が設定されています。転送先の方の携帯電話番号を入力してください（あなたの番号は引き継がれません）。", "This request has SMS verification. Enter your colleague's mobile number (yours is not passed on).";
}

/// The language signal, provided once at the root.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// Reads the stored choice (Japanese when none) and provides it as context.
    pub fn provide() -> I18n {
        let stored = storage()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .map(|v| if v == "en" { Lang::En } else { Lang::Ja })
            .unwrap_or(Lang::Ja);
        let i18n = I18n {
            lang: RwSignal::new(stored),
        };
        set_document_lang(stored);
        provide_context(i18n);
        i18n
    }

    /// Switches between Japanese and English and remembers the choice.
    pub fn toggle(self) {
        let next = match self.lang.get_untracked() {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        };
        if let Some(s) = storage() {
            let _ = s.set_item(STORAGE_KEY, next.code());
        }
        set_document_lang(next);
        self.lang.set(next);
    }

    /// The current language (reactive).
    pub fn lang(self) -> Lang {
        self.lang.get()
    }

    /// A text in the current language (reactive).
    pub fn t(self, key: K) -> &'static str {
        let K(ja, en) = key;
        match self.lang.get() {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// A text as a reactive view: `{i.tr(K::Save)}`. Every call returns the same closure type,
    /// so the hundreds of labels share one set of rendering code in the wasm (a `move ||`
    /// closure per label would each be compiled separately).
    pub fn tr(self, key: K) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || self.t(key)
    }

    /// What the user is told about a problem: the server's Japanese or English detail; for a
    /// server error (5xx) also the request ID, which an administrator finds in the server log (every problem carries one; a client error's message says
    /// enough by itself).
    pub fn problem(self, p: &Problem) -> String {
        // The server's own texts (every problem carries both); the code's table is not in the
        // browser, where it would weigh on every bundle.
        let message = match self.lang.get() {
            Lang::Ja if !p.detail_ja.trim().is_empty() => p.detail_ja.clone(),
            Lang::En if !p.detail.trim().is_empty() => p.detail.clone(),
            Lang::Ja | Lang::En => self.t(K::ErrorTitle).to_owned(),
        };
        match (&p.request_id, self.lang.get()) {
            (Some(id), Lang::Ja) if p.status >= 500 => format!("{message}（問い合わせ番号: {id}）"),
            (Some(id), Lang::En) if p.status >= 500 => format!("{message} (request ID: {id})"),
            _ => message,
        }
    }

    /// A field's validation message.
    pub fn invalid(self, e: ValidationError) -> &'static str {
        match self.lang.get() {
            Lang::Ja => e.message_ja(),
            Lang::En => e.message_en(),
        }
    }

    /// A role's label.
    pub fn role(self, r: Role) -> &'static str {
        match self.lang.get() {
            Lang::Ja => r.label_ja(),
            Lang::En => r.label_en(),
        }
    }

    /// A permission's label.
    pub fn permission(self, p: Permission) -> &'static str {
        match self.lang.get() {
            Lang::Ja => p.label_ja(),
            Lang::En => p.label_en(),
        }
    }

    /// Picks the Japanese or English label of a `shared` value.
    pub fn pick(self, ja: &'static str, en: &'static str) -> &'static str {
        match self.lang.get() {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// A contract state's label.
    pub fn state(self, s: ContractState) -> &'static str {
        self.pick(s.label_ja(), s.label_en())
    }

    /// A recipient state's label.
    pub fn recipient_state(self, s: RecipientState) -> &'static str {
        self.pick(s.label_ja(), s.label_en())
    }

    /// A staff action's button text.
    pub fn action(self, a: ContractAction) -> &'static str {
        self.pick(a.label_ja(), a.label_en())
    }

    /// "順番に送信" / "同時に送信".
    pub fn order(self, o: RecipientOrder) -> &'static str {
        self.pick(o.label_ja(), o.label_en())
    }

    /// An approval step's rule.
    pub fn rule(self, r: ApprovalRule) -> &'static str {
        self.pick(r.label_ja(), r.label_en())
    }

    /// An approver's decision.
    pub fn decision(self, d: ApprovalDecision) -> &'static str {
        self.pick(d.label_ja(), d.label_en())
    }

    /// "N件中 a～b件を表示" for a page of a list.
    pub fn page_range(self, total: u64, page: u32, per_page: u32, shown: usize) -> String {
        let from = if shown == 0 {
            0
        } else {
            u64::from(page.saturating_sub(1)) * u64::from(per_page) + 1
        };
        let to = if shown == 0 {
            0
        } else {
            from + shown as u64 - 1
        };
        match self.lang.get() {
            Lang::Ja => format!("全{total}件中 {from}～{to}件を表示しています。"),
            Lang::En => format!("Showing {from}–{to} of {total}."),
        }
    }

    /// "連番 n 以降（編集）" for a broken audit chain.
    pub fn chain_break(self, seq: i64, kind: &str) -> String {
        let (ja, en) = match kind {
            "edited" => ("編集", "edited"),
            "deleted" => ("削除", "deleted"),
            "inserted" => ("挿入", "inserted"),
            other => (other, other),
        };
        match self.lang.get() {
            Lang::Ja => format!("連番 {seq} の記録で不整合を検出しました（{ja}）。"),
            Lang::En => format!("The chain breaks at entry {seq} ({en})."),
        }
    }

    /// "あと n 日" until a certificate expires.
    pub fn days_left(self, n: i64) -> String {
        match self.lang.get() {
            Lang::Ja if n >= 0 => format!("（あと{n}日）"),
            Lang::Ja => format!("（{}日前に期限切れ）", -n),
            Lang::En if n >= 0 => format!("({n} days left)"),
            Lang::En => format!("(expired {} days ago)", -n),
        }
    }

    /// "n件の記録を検証しました。"
    pub fn events_checked(self, n: u64) -> String {
        match self.lang.get() {
            Lang::Ja => format!("{n}件の記録を検証しました。"),
            Lang::En => format!("{n} entries checked."),
        }
    }
}

/// The language context.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn set_document_lang(lang: Lang) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", lang.code());
    }
}
