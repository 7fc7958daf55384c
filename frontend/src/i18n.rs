//! Interface text: Japanese first (です・ます調, wording per the project glossary), with an
//! English switch remembered in `localStorage`. Problem and validation messages come from the
//! `shared` crate, so the browser says exactly what the server would.

use leptos::prelude::*;
use shared::access::{Permission, Role};
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

macro_rules! texts {
    ($( $key:ident => $ja:literal, $en:literal; )*) => {
        /// A piece of interface text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum K { $( $key, )* }

        impl K {
            fn pair(self) -> (&'static str, &'static str) {
                match self { $( K::$key => ($ja, $en), )* }
            }
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
    NotFound => "ページが見つかりません。メニューから目的の画面を選んでください。", "Page not found. Choose a page from the menu.";
    ErrorTitle => "エラー", "Error";

    NavHome => "ホーム", "Home";
    NavUsers => "利用者", "Users";
    NavDepartments => "所属", "Departments";
    NavAddressBook => "アドレス帳", "Address book";
    NavAudit => "操作ログ", "Audit log";
    NavSettings => "設定", "Settings";
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
    HomeLead => "契約の作成・承認・送信と進捗状況の表示は、今後のバージョンで追加されます。現在ご利用いただける画面は、下の「利用できる画面」のとおりです。", "Creating, approving and sending contracts, and their progress, come in a later version. The pages you can use now are listed below.";
    HomeYou => "ご利用中のアカウント", "Your account";
    Tenant => "団体", "Organisation";
    Roles => "役割", "Roles";
    EffectivePermissions => "利用できる機能", "What you can do";
    HomeShortcuts => "利用できる画面", "Pages you can use";

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
    ConfirmDisable => "この利用者を無効化しますか。無効化するとログインできなくなります。", "Disable this user? They will no longer be able to log in.";
    Disabled => "無効化しました。", "Disabled.";
    Enabled => "有効化しました。", "Enabled.";
    ResetPassword => "パスワードを再設定する", "Reset the password";
    ConfirmReset => "パスワードを再設定しますか。現在のパスワードは使えなくなります。", "Reset the password? The current one stops working.";
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
        let (ja, en) = key.pair();
        match self.lang.get() {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// What the user is told about a problem: the server's Japanese detail, or the code's
    /// English message.
    pub fn problem(self, p: &Problem) -> String {
        match self.lang.get() {
            Lang::Ja if !p.detail_ja.trim().is_empty() => p.detail_ja.clone(),
            Lang::Ja => p.code.message_ja().to_owned(),
            Lang::En => p.code.message_en().to_owned(),
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
