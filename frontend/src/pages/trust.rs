//! 電子署名の信頼性: what makes Acrobat trust the service's seal (AATL), how an administrator
//! obtains an AATL-listed document-signing certificate, what Acrobat shows with and without one,
//! and how a contract is checked by its ID (`/v/{id}`) or its file (`/verify`) on LGWAN PCs
//! whose Acrobat cannot update its trust list. The administrators' page (`/settings/trust`,
//! reached from 設定) has every section; the public page (`/trust`, linked from the verification
//! pages) has the ones a reader of a contract needs.

use leptos::prelude::*;

use crate::i18n::{K, Lang, use_i18n};
use crate::public::PublicFrame;

/// A text in both languages.
type Text = (&'static str, &'static str);

/// One section: title, paragraphs, then a list (numbered when `ordered`).
struct Section {
    id: &'static str,
    /// Shown on the public page too.
    public: bool,
    title: Text,
    paragraphs: &'static [Text],
    items: &'static [Text],
    ordered: bool,
}

const TITLE: Text = (
    "電子署名の信頼性と確認のしかた",
    "Trusting the seal and checking a contract",
);

const SECTIONS: &[Section] = &[
    Section {
        id: "trust-what",
        public: true,
        title: ("この電子署名について", "About this seal"),
        paragraphs: &[
            (
                "このサービスは、すべての方の合意がそろった契約書に、サービス自身の電子署名（立会人型）とタイムスタンプを付与します。契約書をAdobe Acrobat（Reader）で開いたときに電子署名が「有効」と表示されるかどうかは、署名に使った証明書をAcrobatが信頼しているかどうかで決まります。",
                "When everyone has agreed, this service adds its own signature (as a witness) and a timestamp to the contract. Whether Adobe Acrobat (Reader) shows the signature as valid depends on whether Acrobat trusts the certificate used for it.",
            ),
            (
                "長期署名（PAdES B-LTA）の契約書には、検証に必要な証明書と失効情報（OCSP応答・CRL）がファイル内に含まれ、アーカイブタイムスタンプで保護されています。そのため、証明書の有効期限が過ぎた後も、インターネットに接続せずに検証できます。",
                "A long-term signed contract (PAdES B-LTA) carries the certificates and revocation data (OCSP responses, CRLs) needed to verify it, protected by an archive timestamp, so it can be verified after the certificates expire and without an internet connection.",
            ),
        ],
        items: &[],
        ordered: false,
    },
    Section {
        id: "trust-aatl",
        public: false,
        title: ("AATL とは", "What the AATL is"),
        paragraphs: &[
            (
                "AATL（Adobe Approved Trust List）は、Adobe が Acrobat と Acrobat Reader に配布している、信頼済みの認証局とタイムスタンプ局の一覧です。Adobe の技術要件と監査要件を満たした認証局が掲載されます。掲載された認証局が発行した文書署名用の証明書で署名されたPDFは、利用者が何も設定しなくても、Acrobat で信頼できる署名として表示されます。",
                "The AATL (Adobe Approved Trust List) is the list of trusted certification and time-stamping authorities that Adobe distributes to Acrobat and Acrobat Reader. Authorities that meet Adobe's technical and audit requirements are listed. A PDF signed with a document-signing certificate from a listed authority is shown as trusted in Acrobat without any setting by the reader.",
            ),
            (
                "Acrobat は既定の設定で、インターネット経由でこの一覧を定期的に更新します。掲載されている認証局の一覧は Adobe の Web サイトで公開されています。",
                "By default Acrobat updates this list periodically over the internet. The list of members is published on Adobe's website.",
            ),
        ],
        items: &[],
        ordered: false,
    },
    Section {
        id: "trust-obtain",
        public: false,
        title: (
            "AATL に掲載された電子署名用証明書の入手（管理者向け）",
            "Obtaining an AATL-listed seal certificate (administrators)",
        ),
        paragraphs: &[(
            "証明書の発行元はこの画面では指定しません。手続きと必要書類は認証局ごとに異なりますので、申込み先で必ず確認してください。一般的な流れは次のとおりです。",
            "This page names no vendor. Procedures and documents differ between authorities; always confirm with the one you apply to. The usual steps are:",
        )],
        items: &[
            (
                "Adobe が公開している AATL のメンバー一覧で、文書署名用の証明書を発行している認証局を確認します。国内にも、AATL に掲載された認証局の証明書を扱う認証局や販売代理店があります。最新の一覧で掲載されていることを確かめてください。",
                "Find authorities that issue document-signing certificates in Adobe's published AATL member list. Some authorities and resellers in Japan offer certificates of AATL-listed authorities; check that they are in the current list.",
            ),
            (
                "証明書の種類は、団体（組織）名義の「文書署名用（ドキュメントサイニング）」証明書を選びます。Webサーバー用（SSL/TLS）やメール用（S/MIME）の証明書は使えません。鍵用途に digitalSignature（電子署名）または nonRepudiation（否認防止）が含まれている必要があります。",
                "Choose an organisation (the city) document-signing certificate. TLS server or S/MIME certificates cannot be used. Its key usage must include digitalSignature or nonRepudiation.",
            ),
            (
                "AATL に掲載された文書署名用証明書では、多くの場合、秘密鍵をハードウェア（HSM、USBトークン、クラウドHSM）の中で生成・保管することが求められ、鍵をファイルで受け取れないことがあります。このサービスは PKCS#11（HSM）、PKCS#12、PEM のいずれでも署名鍵を設定できます。どこで鍵を生成するかを、申込みの前に認証局と確認してください。",
                "AATL document-signing certificates usually require the private key to be generated and kept in hardware (an HSM, a USB token, a cloud HSM), so the key may not be delivered as a file. This service takes the seal key from PKCS#11 (an HSM), PKCS#12 or PEM. Agree with the authority where the key is generated before applying.",
            ),
            (
                "審査では、団体の実在確認、申請者の本人確認、申請意思の確認などが行われます。必要な書類と期間は認証局ごとに異なります。",
                "The authority verifies the organisation, the applicant's identity and the authorisation of the application. Documents and lead times differ by authority.",
            ),
            (
                "発行された証明書（と中間証明書）をサービスに設定し、`tachiai config check` で主体者・発行者・有効期限を確認します。鍵と証明書は、再起動せずに取り込み・有効化できます。過去の証明書で署名した契約書も、そのまま検証できます。",
                "Configure the issued certificate (and its intermediate certificates) in the service and check subject, issuer and expiry with `tachiai config check`. A new key and certificate can be imported and activated without a restart; contracts sealed with earlier certificates stay verifiable.",
            ),
            (
                "タイムスタンプも Acrobat で信頼できるものとして表示させるには、AATL に掲載されたタイムスタンプ局（TSA）を設定します。証明書の有効期間（通常1～3年）が切れる前に、更新の手続きを始めてください。",
                "For Acrobat to trust the timestamps as well, configure an AATL-listed time-stamping authority (TSA). Start the renewal before the certificate's validity (usually one to three years) ends.",
            ),
        ],
        ordered: true,
    },
    Section {
        id: "trust-acrobat",
        public: true,
        title: ("Acrobat での表示", "What Acrobat shows"),
        paragraphs: &[
            (
                "AATL に掲載された証明書で署名されている場合：署名パネルに緑色のチェックマークが付き、署名が有効であることが表示されます。",
                "Signed with an AATL-listed certificate: the signature panel shows a green check mark and says the signature is valid.",
            ),
            (
                "AATL に掲載されていない証明書（開発用の電子署名、団体が自ら用意した認証局など）の場合：黄色の警告アイコンが付き、署名の有効性が不明である旨が表示されます。これは改ざんを意味するものではなく、Acrobat が署名者の証明書を信頼する設定になっていないためです。表示の文言は Acrobat の版によって異なります。",
                "Signed with a certificate that is not AATL-listed (the development seal, a city's own CA, …): a yellow warning icon and a message that the signature's validity is unknown. This does not mean the file was changed; Acrobat is not set up to trust the signer's certificate. The exact wording depends on the Acrobat version.",
            ),
            (
                "署名者に「開発用・信頼しないでください」と表示される電子署名は、開発用の証明書によるものです。本番の契約には使わないでください。",
                "A signature whose signer reads 「開発用・信頼しないでください」 was made with the development certificate and must not be used for real contracts.",
            ),
        ],
        items: &[],
        ordered: false,
    },
    Section {
        id: "trust-lgwan",
        public: true,
        title: (
            "LGWAN 接続系の端末で確認するには",
            "Checking a contract on an LGWAN PC",
        ),
        paragraphs: &[(
            "LGWAN 接続系の端末では、Acrobat がインターネット経由で信頼リスト（AATL）を更新できないため、AATL に掲載された証明書による署名でも「有効性不明」と表示されることがあります。その場合は、次の方法で確認してください。",
            "On LGWAN PCs Acrobat cannot update its trust list (AATL) over the internet, so even a signature with an AATL-listed certificate may be shown as of unknown validity. Check the contract this way instead:",
        )],
        items: &[
            (
                "契約書の電子署名欄（「電子署名済」の表示）または QR コードにある確認用URL（/v/ に続く契約ID）を、このサービスに接続できる端末のブラウザで開きます。契約番号、契約締結日、電子署名の状態が表示されます。契約の内容は表示されません。",
                "Open the check URL printed in the contract's stamp or QR code (/v/ followed by the contract ID) in a browser that can reach this service. It shows the contract number, the conclusion date and the seal status, not the content.",
            ),
            (
                "PDFファイルそのものを確かめるには、「電子署名の検証」ページ（/verify）でファイルを選んで検証します。このサービスの検証は、ファイル内の失効情報（OCSP応答・CRL）とタイムスタンプで判定するため、インターネット接続は不要です。「長期検証可能（PAdES B-LTA）」「失効情報: 確認済み」と表示されれば、長期署名として必要な情報がそろっています。",
                "To check the PDF file itself, choose it on the Verify page (/verify). The service judges it from the revocation data (OCSP responses, CRLs) and timestamps inside the file, so no internet connection is needed. 'Long-term verifiable (PAdES B-LTA)' and 'Revocation: checked' mean the long-term validation data is complete.",
            ),
            (
                "「このサービスが発行したファイルと一致します」と表示されれば、そのファイルはこのサービスが発行した契約書と1バイトも違いません（SHA-256 で照合しています）。",
                "'Matches a file this service issued' means the file is byte for byte the one this service issued (compared by SHA-256).",
            ),
            (
                "Acrobat でも信頼できる署名として表示させる必要がある場合は、情報システム担当の管理者が、信頼するルート証明書を Acrobat の「信頼済み証明書」に手動で追加する方法があります（環境設定の「署名」→「ID と信頼済み証明書」）。",
                "If Acrobat itself must show the signature as trusted, an IT administrator can add the root certificate to Acrobat's trusted certificates by hand (Preferences → Signatures → Identities & Trusted Certificates).",
            ),
        ],
        ordered: true,
    },
];

/// The sections in the current language.
#[component]
fn Guide(public: bool) -> impl IntoView {
    let i = use_i18n();
    let pick = move |t: Text| match i.lang() {
        Lang::Ja => t.0,
        Lang::En => t.1,
    };
    let sections = SECTIONS
        .iter()
        .filter(move |s| s.public || !public)
        .map(|s| {
            let paragraphs = s
                .paragraphs
                .iter()
                .map(|p| view! { <p>{move || pick(*p)}</p> })
                .collect_view();
            let items = s
                .items
                .iter()
                .map(|t| view! { <li>{move || pick(*t)}</li> })
                .collect_view();
            let list = (!s.items.is_empty()).then(|| {
                if s.ordered {
                    view! { <ol class="guide-steps">{items}</ol> }.into_any()
                } else {
                    view! { <ul>{items}</ul> }.into_any()
                }
            });
            let title = s.title;
            view! {
                <section class="card guide-section" id=s.id aria-labelledby=format!("{}-title", s.id)>
                    <h2 id=format!("{}-title", s.id)>{move || pick(title)}</h2>
                    {paragraphs}
                    {list}
                </section>
            }
        })
        .collect_view();
    view! {
        <h1>{move || pick(TITLE)}</h1>
        {sections}
    }
}

/// `/settings/trust`: the administrators' guide (every section).
#[component]
pub fn TrustGuidePage() -> impl IntoView {
    view! { <Guide public=false /> }
}

/// `/trust`: the public guide (the sections for readers of a contract).
#[component]
pub fn PublicTrustPage() -> impl IntoView {
    view! {
        <PublicFrame>
            <Guide public=true />
            <p><a href="/verify">{use_i18n().tr(K::VerifyTitle)}</a></p>
        </PublicFrame>
    }
}
