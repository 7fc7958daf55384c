//! Parse, don't validate: the newtypes a request must pass through before the server acts on
//! it. The browser runs the same parsers to show errors before sending.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused. Serialised as its snake_case name in `Problem.errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValidationError {
    /// Empty after trimming.
    Required,
    /// Longer than the maximum.
    TooLong,
    /// Shorter than the minimum.
    TooShort,
    /// Contains characters the field does not allow.
    InvalidCharacters,
    /// Not a valid e-mail address.
    InvalidEmail,
    /// Breaks the password policy.
    WeakPassword,
    /// Not a 6-digit code.
    InvalidCode,
    /// At least one item must be chosen.
    EmptySelection,
    /// Refers to something that does not exist (e.g. a department of another tenant).
    UnknownReference,
    /// A number outside its allowed range.
    OutOfRange,
    /// Not a calendar date written `YYYY-MM-DD`.
    InvalidDate,
    /// A contract-number pattern without a sequence number (`{seq}` or `{seq:N}`).
    PatternWithoutSequence,
    /// Contains characters the certificate and stamp cannot print (the embedded font lacks them,
    /// e.g. emoji); [`crate::printable::unprintable_chars`] names them.
    UnprintableCharacters,
    /// Not an IP address or CIDR block (`192.0.2.0/24`, `2001:db8::/32`).
    InvalidAddressBlock,
    /// Not an `https://host` (or `http://host[:port]`) origin without a path.
    InvalidPublicUrl,
    /// Not a Japanese mobile number (070, 080 or 090 and 8 digits).
    InvalidMobilePhone,
}

impl ValidationError {
    /// The Japanese message for a form field.
    pub fn message_ja(self) -> &'static str {
        match self {
            ValidationError::Required => "入力してください。",
            ValidationError::TooLong => "長すぎます。",
            ValidationError::TooShort => "短すぎます。",
            ValidationError::InvalidCharacters => "使用できない文字が含まれています。",
            ValidationError::InvalidEmail => "メールアドレスの形式が正しくありません。",
            ValidationError::WeakPassword => {
                "パスワードは12文字以上で、英字と数字を含め、ログインIDと異なるものにしてください。"
            }
            ValidationError::InvalidCode => "6桁の数字を入力してください。",
            ValidationError::EmptySelection => "1つ以上選択してください。",
            ValidationError::UnknownReference => "選択された項目が見つかりません。",
            ValidationError::OutOfRange => "指定できる範囲を超えています。",
            ValidationError::InvalidDate => "日付は 2026-04-01 の形式で入力してください。",
            ValidationError::PatternWithoutSequence => {
                "連番 {seq} または {seq:6}（桁数 1〜12）を含めてください。"
            }
            ValidationError::UnprintableCharacters => {
                "証明書や印影に印字できない文字（絵文字など）が含まれています。"
            }
            ValidationError::InvalidAddressBlock => {
                "IPアドレスまたはCIDR形式（例: 10.0.0.0/8）で入力してください。"
            }
            ValidationError::InvalidPublicUrl => {
                "https:// で始まるURL（パスなし、例: https://keiyaku.example.lg.jp）を入力してください。"
            }
            ValidationError::InvalidMobilePhone => {
                "携帯電話番号（070・080・090で始まる11桁）を入力してください。"
            }
        }
    }

    /// The English message for a form field.
    pub fn message_en(self) -> &'static str {
        match self {
            ValidationError::Required => "Required.",
            ValidationError::TooLong => "Too long.",
            ValidationError::TooShort => "Too short.",
            ValidationError::InvalidCharacters => "Contains characters that are not allowed.",
            ValidationError::InvalidEmail => "Not a valid e-mail address.",
            ValidationError::WeakPassword => {
                "At least 12 characters with letters and digits, different from the login ID."
            }
            ValidationError::InvalidCode => "Enter 6 digits.",
            ValidationError::EmptySelection => "Choose at least one.",
            ValidationError::UnknownReference => "The selected item does not exist.",
            ValidationError::OutOfRange => "Out of the allowed range.",
            ValidationError::InvalidDate => "Enter a date as YYYY-MM-DD.",
            ValidationError::PatternWithoutSequence => {
                "Include a sequence number: {seq} or {seq:6} (1–12 digits)."
            }
            ValidationError::UnprintableCharacters => {
                "Contains characters the certificate and stamp cannot print (e.g. emoji)."
            }
            ValidationError::InvalidAddressBlock => {
                "Enter an IP address or a CIDR block (e.g. 10.0.0.0/8)."
            }
            ValidationError::InvalidPublicUrl => {
                "Enter a URL starting with https:// and without a path (e.g. https://keiyaku.example.lg.jp)."
            }
            ValidationError::InvalidMobilePhone => {
                "Enter a Japanese mobile number: 070, 080 or 090 and 8 digits."
            }
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message_en())
    }
}

fn trimmed(raw: &str, min: usize, max: usize) -> Result<String, ValidationError> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 {
        Err(ValidationError::Required)
    } else if n < min {
        Err(ValidationError::TooShort)
    } else if n > max {
        Err(ValidationError::TooLong)
    } else if s.chars().any(char::is_control) {
        Err(ValidationError::InvalidCharacters)
    } else if !s.chars().all(crate::printable::is_printable) {
        // Names and texts end up in the completion certificate and the stamp.
        Err(ValidationError::UnprintableCharacters)
    } else {
        Ok(s.to_owned())
    }
}

macro_rules! text_newtype {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Trims and checks the value; the only way to make one.
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                let s = trimmed(raw, $min, $max)?;
                let check: fn(&str) -> Result<(), ValidationError> = $check;
                check(&s)?;
                Ok($name(s))
            }

            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The inner string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn ascii_id(s: &str) -> Result<(), ValidationError> {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        Ok(())
    } else {
        Err(ValidationError::InvalidCharacters)
    }
}

fn any_text(_: &str) -> Result<(), ValidationError> {
    Ok(())
}

fn plain_name(s: &str) -> Result<(), ValidationError> {
    const PUNCTUATION: &str = " \u{3000}・ー－-‐'’.,，、&＆()（）";
    let chars_ok = s
        .chars()
        .all(|c| c.is_alphanumeric() || PUNCTUATION.contains(c));
    let lower = s.to_lowercase();
    let link_like = lower.contains("www")
        || s.chars().filter(|c| *c == '.').count() > 3
        || s.char_indices().any(|(i, c)| {
            // `host.tld`: an ASCII letter or digit, a dot, then two ASCII letters.
            c == '.'
                && s[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|p| p.is_ascii_alphanumeric())
                && s[i + 1..]
                    .chars()
                    .take(2)
                    .filter(char::is_ascii_alphabetic)
                    .count()
                    == 2
        });
    if chars_ok && !link_like {
        Ok(())
    } else {
        Err(ValidationError::InvalidCharacters)
    }
}

text_newtype!(
    /// 団体コード: a tenant's short code, typed at login (e.g. `niigata-city`).
    TenantCode, 2, 40, |s| {
        if s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            Ok(())
        } else {
            Err(ValidationError::InvalidCharacters)
        }
    }
);
text_newtype!(
    /// ログインID: unique within a tenant; ASCII letters, digits and `._-@`.
    LoginId, 3, 64, ascii_id
);
text_newtype!(
    /// A person's or organisation's display name (氏名, 団体名, 所属名, 取引先名).
    Name, 1, 100, any_text
);
text_newtype!(
    /// A name typed by someone outside the city (a counterparty forwarding the request) that the
    /// service then writes into its own mails: letters, digits, spaces and the punctuation of
    /// names (`・ー-'.,&()`), and nothing shaped like a link (`://`, `www.`, `example.jp`), so the
    /// service's mail cannot be made to carry someone else's message or URL.
    PlainName, 1, 60, plain_name
);
text_newtype!(
    /// Free text of moderate length (住所, 備考).
    Text, 1, 2000, any_text
);

/// An e-mail address, checked for the shape `local@domain.tld` (the mail server has the
/// final word). Stored as given, compared case-insensitively by the mail system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Trims and checks the address.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = trimmed(raw, 3, 254)?;
        let (local, domain) = s.rsplit_once('@').ok_or(ValidationError::InvalidEmail)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains(['@', ' ', '"', '<', '>', '(', ')', ',', ';', ':', '\\']);
        if domain_ok && local_ok {
            Ok(EmailAddress(s))
        } else {
            Err(ValidationError::InvalidEmail)
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rule of the password policy (仕様 9 security controls): 12–128 characters, at least one
/// letter and one digit, not containing the login ID. Length beats composition (NIST SP
/// 800-63B), but city policies commonly ask for both letters and digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRule {
    /// Fewer than 12 or more than 128 characters.
    Length,
    /// No letter, or no digit.
    LettersAndDigits,
    /// Contains the login ID.
    NotTheLoginId,
}

impl PasswordRule {
    /// The rule as an English sentence, for operators (the form shows
    /// [`ValidationError::WeakPassword`]'s message, which lists every rule).
    pub fn message_en(self) -> &'static str {
        match self {
            PasswordRule::Length => "it must be 12 to 128 characters long",
            PasswordRule::LettersAndDigits => "it must contain at least one letter and one digit",
            PasswordRule::NotTheLoginId => "it must not contain the login ID",
        }
    }
}

/// The first rule of the password policy that `password` breaks, if any.
pub fn broken_password_rule(password: &str, login_id: &str) -> Option<PasswordRule> {
    let n = password.chars().count();
    let has_letter = password.chars().any(char::is_alphabetic);
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if !(12..=128).contains(&n) {
        Some(PasswordRule::Length)
    } else if !has_letter || !has_digit {
        Some(PasswordRule::LettersAndDigits)
    } else if !login_id.is_empty() && password.to_lowercase().contains(&login_id.to_lowercase()) {
        Some(PasswordRule::NotTheLoginId)
    } else {
        None
    }
}

/// The password policy (see [`PasswordRule`]) as a field check.
pub fn check_password_policy(password: &str, login_id: &str) -> Result<(), ValidationError> {
    match broken_password_rule(password, login_id) {
        Some(_) => Err(ValidationError::WeakPassword),
        None => Ok(()),
    }
}

/// Shortest access code (アクセスコード) a recipient can be given: with the e-mailed code it is
/// the second factor, so it must not fall to a few guesses.
pub const ACCESS_CODE_MIN_CHARS: usize = 6;
/// Longest access code.
pub const ACCESS_CODE_MAX_CHARS: usize = 32;

/// Checks the length of an access code (already trimmed, not empty).
pub fn check_access_code(code: &str) -> Result<(), ValidationError> {
    let n = code.chars().count();
    if n < ACCESS_CODE_MIN_CHARS {
        Err(ValidationError::TooShort)
    } else if n > ACCESS_CODE_MAX_CHARS {
        Err(ValidationError::TooLong)
    } else {
        Ok(())
    }
}

/// A 6-digit one-time code (TOTP or e-mailed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtpCode(u32);

impl OtpCode {
    /// Accepts exactly six ASCII digits, ignoring surrounding spaces.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse()
                .map(OtpCode)
                .map_err(|_| ValidationError::InvalidCode)
        } else {
            Err(ValidationError::InvalidCode)
        }
    }

    /// The code as a number.
    pub fn value(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn login_ids_allow_ascii_only() {
        assert!(LoginId::parse(" tanaka.h ").is_ok());
        assert_eq!(
            LoginId::parse("田中花子"),
            Err(ValidationError::InvalidCharacters)
        );
        assert_eq!(LoginId::parse("ab"), Err(ValidationError::TooShort));
        assert_eq!(LoginId::parse("  "), Err(ValidationError::Required));
    }

    #[test]
    fn names_take_japanese_and_refuse_control_characters() {
        assert_eq!(Name::parse(" 新潟 太郎 ").unwrap().as_str(), "新潟 太郎");
        for ok in [
            "新潟 太郎",
            "ｻﾄｳ・ﾊﾅｺ",
            "株式会社テスト商事（営業部）",
            "O'Brien, Mary-Jane",
            "ABC Co., Ltd.",
            "K.K. ミナト",
            "山田　花子",
        ] {
            assert!(PlainName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://evil.example/pay",
            "evil.example",
            "詳細は www.evil",
            "see evil.co.jp",
            "a<b>",
            "x@y",
            "佐藤\n太郎",
            "a/b",
            "pay.me now",
        ] {
            assert_eq!(
                PlainName::parse(bad).err(),
                Some(ValidationError::InvalidCharacters),
                "{bad}"
            );
        }
        assert_eq!(
            Name::parse("a\u{0}b"),
            Err(ValidationError::InvalidCharacters)
        );
        assert_eq!(
            Name::parse(&"あ".repeat(101)),
            Err(ValidationError::TooLong)
        );
    }

    #[test]
    fn text_the_certificate_cannot_print_is_refused() {
        assert_eq!(
            Name::parse("業務委託契約😀"),
            Err(ValidationError::UnprintableCharacters)
        );
        assert_eq!(
            Text::parse("備考 🙂"),
            Err(ValidationError::UnprintableCharacters)
        );
        assert!(Name::parse("髙橋 一郎（株式会社立会建設）").is_ok());
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert!(EmailAddress::parse("keiyaku@city.example.lg.jp").is_ok());
        for bad in ["a@b", "@x.jp", "a b@x.jp", "a@x..jp", "a@.x.jp", "a@x.jp."] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(ValidationError::InvalidEmail),
                "{bad}"
            );
        }
    }

    #[test]
    fn password_policy() {
        assert!(check_password_policy("correct horse 42", "tanaka").is_ok());
        assert!(check_password_policy("short1", "x").is_err());
        assert!(check_password_policy("onlylettersssss", "x").is_err());
        assert!(check_password_policy("Tanaka-2026-pass", "tanaka").is_err());
        assert_eq!(
            broken_password_rule("short1", "x"),
            Some(PasswordRule::Length)
        );
        assert_eq!(
            broken_password_rule("onlylettersssss", "x"),
            Some(PasswordRule::LettersAndDigits)
        );
        assert_eq!(
            broken_password_rule("Tanaka-2026-pass", "tanaka"),
            Some(PasswordRule::NotTheLoginId)
        );
    }

    #[test]
    fn otp_codes_are_six_digits() {
        assert_eq!(OtpCode::parse(" 012345 ").unwrap().value(), 12345);
        assert!(OtpCode::parse("12345").is_err());
        assert!(OtpCode::parse("12345a").is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,300}") {
            let _ = LoginId::parse(&s);
            let _ = Name::parse(&s);
            let _ = EmailAddress::parse(&s);
            let _ = OtpCode::parse(&s);
            let _ = check_password_policy(&s, "admin");
        }

        #[test]
        fn parsed_names_are_trimmed_and_bounded(s in "\\PC{0,120}") {
            if let Ok(n) = Name::parse(&s) {
                prop_assert_eq!(n.as_str(), n.as_str().trim());
                prop_assert!(n.as_str().chars().count() <= 100);
            }
        }
    }
}

/// A calendar date `YYYY-MM-DD` (years 1900–2200), kept as written.
pub fn iso_date(raw: &str) -> Result<String, ValidationError> {
    let s = raw.trim();
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return Err(ValidationError::InvalidDate);
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(ValidationError::InvalidDate),
    };
    if !(1900..=2200).contains(&y) || d == 0 || d > days {
        return Err(ValidationError::InvalidDate);
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso_date(" 2028-02-29 ").unwrap(), "2028-02-29");
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-4-1",
            "20260401",
            "2026-04-31",
            "",
        ] {
            assert_eq!(iso_date(bad), Err(ValidationError::InvalidDate), "{bad}");
        }
    }
}

/// A Japanese mobile number (携帯電話番号) for SMS: 070, 080 or 090 and 8 digits, typed with
/// or without hyphens and spaces, in full-width digits, or in the international form
/// (`+81 90-1234-5678`, `+81 (0)90…`). Kept in E.164 (`+819012345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobilePhone(String);

impl MobilePhone {
    /// Normalises and checks the number.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let mut s = String::new();
        for c in raw.trim().chars() {
            match c {
                '0'..='9' | '+' => s.push(c),
                // Full-width digits and plus sign.
                '０'..='９' => s.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                '＋' => s.push('+'),
                // Separators people type between the groups.
                ' ' | '\u{3000}' | '-' | '‐' | '‑' | '–' | '—' | '−' | '－' | 'ー' | '(' | ')'
                | '（' | '）' | '.' => {}
                _ => return Err(ValidationError::InvalidMobilePhone),
            }
        }
        if s.is_empty() {
            return Err(ValidationError::Required);
        }
        let national = if let Some(rest) = s.strip_prefix("+81") {
            // `+81 (0)90…` and `+81 090…` drop the trunk prefix as well.
            let rest = rest.strip_prefix('0').unwrap_or(rest);
            format!("0{rest}")
        } else {
            s
        };
        let b = national.as_bytes();
        let mobile = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && matches!(&b[..3], b"070" | b"080" | b"090");
        if mobile {
            Ok(MobilePhone(format!("+81{}", &national[1..])))
        } else {
            Err(ValidationError::InvalidMobilePhone)
        }
    }

    /// Reads a stored E.164 number back (`None` for anything [`MobilePhone::parse`] refuses).
    pub fn from_e164(stored: &str) -> Option<Self> {
        stored
            .starts_with("+81")
            .then(|| MobilePhone::parse(stored).ok())
            .flatten()
    }

    /// E.164, as stored and given to the SMS provider: `+819012345678`.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// The domestic form staff type and read: `090-1234-5678`.
    pub fn domestic(&self) -> String {
        let n = &self.0[3..];
        format!("0{}-{}-{}", &n[..2], &n[2..6], &n[6..])
    }

    /// All the counterparty's page and the evidence show of it: `090-****-5678`.
    pub fn masked(&self) -> String {
        let n = &self.0[3..];
        format!("0{}-****-{}", &n[..2], &n[6..])
    }
}

#[cfg(test)]
mod mobile_phone_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_usual_ways_of_writing_a_mobile_number_are_one_number() {
        for ok in [
            "090-1234-5678",
            "09012345678",
            " 090 1234 5678 ",
            "０９０－１２３４－５６７８",
            "０９０ー１２３４ー５６７８",
            "+81 90-1234-5678",
            "+819012345678",
            "＋８１ ９０ １２３４ ５６７８",
            "+81 (0)90-1234-5678",
            "(090)1234-5678",
        ] {
            let p = MobilePhone::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(p.e164(), "+819012345678", "{ok}");
            assert_eq!(p.domestic(), "090-1234-5678");
            assert_eq!(p.masked(), "090-****-5678");
        }
        assert_eq!(
            MobilePhone::parse("070-0000-1111").unwrap().e164(),
            "+817000001111"
        );
        assert_eq!(
            MobilePhone::parse("080 9999 0000").unwrap().masked(),
            "080-****-0000"
        );
    }

    #[test]
    fn landlines_short_long_and_foreign_numbers_are_refused() {
        for bad in [
            "03-1234-5678",
            "0120-123-456",
            "050-1234-5678",
            "020-1234-5678",
            "090-1234-567",
            "090-1234-56789",
            "+1 415 555 0100",
            "+82 10 1234 5678",
            "090-1234-abcd",
            "tel:09012345678",
            "090+12345678",
        ] {
            assert_eq!(
                MobilePhone::parse(bad),
                Err(ValidationError::InvalidMobilePhone),
                "{bad}"
            );
        }
        assert_eq!(MobilePhone::parse(" - "), Err(ValidationError::Required));
    }

    #[test]
    fn stored_numbers_read_back() {
        let p = MobilePhone::parse("090-1234-5678").unwrap();
        assert_eq!(MobilePhone::from_e164(p.e164()), Some(p));
        assert_eq!(MobilePhone::from_e164("09012345678"), None);
    }

    proptest! {
        #[test]
        fn the_parser_never_panics_and_its_numbers_round_trip(s in "\\PC{0,40}") {
            if let Ok(p) = MobilePhone::parse(&s) {
                prop_assert_eq!(MobilePhone::parse(&p.domestic()), Ok(p.clone()));
                prop_assert_eq!(p.e164().len(), 13);
            }
        }

        #[test]
        fn every_mobile_number_is_accepted(prefix in 7u8..=9, rest in 0u32..100_000_000) {
            let raw = format!("0{prefix}0{rest:08}");
            let p = MobilePhone::parse(&raw).unwrap();
            prop_assert_eq!(p.e164(), format!("+81{prefix}0{rest:08}"));
        }
    }
}
