//! Content: what the certificate says, section by section, and the running header and footer.

use super::CompletionCertificate;
use super::layout::{
    Align, BODY, CONTENT_W, Doc, GREY_TEXT, INK, MARGIN, PAD_X, PAGE_H, PAGE_W, RULE, TOP, Table,
    body, head, label,
};
use super::text::{format_yen, group_thousands, one_line, or_dash, short_user_agent};

// ---------------------------------------------------------------------------------------------
// The certificate's content.

pub(super) fn draw(doc: &mut Doc<'_>, cert: &CompletionCertificate) {
    // Title block.
    doc.y = TOP - 6.0;
    doc.text_centered(doc.y - 22.0, 22.0, INK, "合意締結証明書");
    doc.text_centered(
        doc.y - 40.0,
        9.5,
        GREY_TEXT,
        "Certificate of Agreement and Conclusion",
    );
    doc.y -= 52.0;
    let issued = format!("発行日時　{}", crate::clock::jst_text(cert.issued_at_unix));
    let issuer = format!("発行　{}", one_line(&cert.tenant_name));
    for line in [issuer, issued] {
        let line = doc.font.fit(&line, 8.5, CONTENT_W);
        let w = doc.font.width(&line, 8.5);
        doc.text(PAGE_W - MARGIN - w, doc.y - 9.0, 8.5, INK, &line);
        doc.y -= 13.0;
    }
    doc.y -= 6.0;
    doc.paragraph(
        "下記の契約書について、記載の当事者が本人確認のうえ内容を確認して合意したこと、\
         および本サービスが電子署名とタイムスタンプを付与して締結処理を行ったことを証明します。\
         各文書の SHA-256 ハッシュ値は、アップロードされた原本と電子署名済みのファイルのものです。",
        9.0,
        INK,
    );
    doc.y -= 2.0;

    // 契約の概要.
    let mut summary = vec![
        ("団体名", one_line(&cert.tenant_name)),
        ("契約番号", cert.contract_number.clone()),
        ("件名", cert.title.clone()),
        ("所属", cert.department.clone()),
        ("契約相手方", cert.counterparty.clone()),
        (
            "契約金額（税込）",
            cert.amount_yen.map_or_else(|| "—".into(), format_yen),
        ),
    ];
    summary.push((
        "契約期間",
        cert.contract_period
            .as_ref()
            .map_or_else(|| "—".into(), |p| format!("{}～{}", p.from, p.to)),
    ));
    summary.push(("契約締結日", cert.concluded_on.clone()));
    doc.table(&Table {
        title: "契約の概要",
        columns: vec![110.0, 0.0],
        header: None,
        groups: summary
            .into_iter()
            .map(|(k, v)| vec![vec![label(k), body(or_dash(&v))]])
            .collect(),
        empty: "",
    });

    // 文書.
    doc.table(&Table {
        title: "文書",
        columns: vec![100.0, 0.0, 92.0, 52.0],
        header: Some(vec![
            head("区分"),
            head("ファイル名"),
            head("サイズ").align(Align::Right),
            head("ページ数").align(Align::Right),
        ]),
        groups: cert
            .documents
            .iter()
            .map(|d| {
                vec![
                    vec![
                        body(super::role_label(d.role)),
                        body(or_dash(&d.file_name)),
                        body(format!("{}バイト", group_thousands(d.size_bytes)))
                            .align(Align::Right),
                        body(d.pages.map_or_else(|| "—".into(), |p| p.to_string()))
                            .align(Align::Right),
                    ],
                    vec![label("SHA-256（原本）"), body(&d.original_sha256).span(3)],
                    vec![
                        label("SHA-256（署名済み）"),
                        body(
                            d.sealed_sha256
                                .clone()
                                .unwrap_or_else(|| "—（署名の対象外）".into()),
                        )
                        .span(3),
                    ],
                ]
            })
            .collect(),
        empty: "文書はありません。",
    });

    // 合意した当事者.
    doc.table(&Table {
        title: "合意した当事者",
        columns: vec![76.0, 170.0, 66.0, 0.0],
        header: None,
        groups: cert
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut rows = vec![
                    vec![head(format!("当事者 {}", i + 1)).span(4)],
                    vec![
                        label("組織名"),
                        body(or_dash(&p.organisation)),
                        label("氏名"),
                        body(or_dash(&p.name)),
                    ],
                    vec![label("メールアドレス"), body(or_dash(&p.email)).span(3)],
                    vec![
                        label("本人確認方法"),
                        body(or_dash(&p.verification_method)).span(3),
                    ],
                    vec![
                        label("同意日時"),
                        body(or_dash(&p.agreed_at)),
                        label("IPアドレス"),
                        body(or_dash(&p.ip_address)),
                    ],
                    vec![
                        label("利用環境"),
                        body(short_user_agent(&p.user_agent)).span(3),
                    ],
                ];
                if let Some(note) = &p.note {
                    rows.push(vec![label("備考"), body(note).span(3)]);
                }
                rows
            })
            .collect(),
        empty: "合意した当事者はいません。",
    });

    // Date columns as wide as their longest date, so that a date stays on one line.
    let date_width = |doc: &mut Doc<'_>, dates: &mut dyn Iterator<Item = &String>| {
        let heading = doc.font.width("日時", 8.0);
        let widest = dates
            .map(|d| doc.font.width(d, BODY))
            .fold(heading, f32::max);
        (widest + 2.0 * PAD_X + 1.0).clamp(60.0, 150.0)
    };

    // 社内承認.
    let decided_w = date_width(doc, &mut cert.approvals.iter().map(|a| &a.decided_at));
    doc.table(&Table {
        title: "社内承認",
        columns: vec![24.0, 72.0, 90.0, 46.0, decided_w, 0.0],
        header: Some(vec![
            head("No.").align(Align::Center),
            head("承認ステップ"),
            head("承認者"),
            head("判断").align(Align::Center),
            head("日時"),
            head("コメント"),
        ]),
        groups: cert
            .approvals
            .iter()
            .enumerate()
            .map(|(i, a)| {
                vec![vec![
                    body((i + 1).to_string()).align(Align::Center),
                    body(or_dash(&a.step)),
                    body(or_dash(&a.approver)),
                    body(a.decision.label()).align(Align::Center),
                    body(or_dash(&a.decided_at)),
                    body(a.comment.as_deref().map_or_else(|| "—".into(), or_dash)),
                ]]
            })
            .collect(),
        empty: "社内承認は行われていません（承認ルートの設定なし）。",
    });

    // 経過記録.
    let at_w = date_width(doc, &mut cert.events.iter().map(|e| &e.at));
    doc.table(&Table {
        title: "経過記録",
        columns: vec![26.0, at_w, 160.0, 0.0],
        header: Some(vec![
            head("No.").align(Align::Center),
            head("日時"),
            head("操作者"),
            head("操作"),
        ]),
        groups: cert
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                vec![vec![
                    body((i + 1).to_string()).align(Align::Center),
                    body(or_dash(&e.at)),
                    body(or_dash(&e.actor)),
                    body(or_dash(&e.action)),
                ]]
            })
            .collect(),
        empty: "記録はありません。",
    });

    // 電子署名と検証.
    doc.table(&Table {
        title: "電子署名と検証",
        columns: vec![110.0, 0.0],
        header: None,
        groups: vec![
            vec![vec![label("電子署名"), body(or_dash(&cert.seal_subject))]],
            vec![vec![
                label("送信時の電子署名"),
                body(cert.sending_seal.as_deref().map_or_else(
                    || String::from("—（送信時の電子署名の導入前に送信された契約）"),
                    or_dash,
                )),
            ]],
            vec![vec![label("タイムスタンプ"), body(or_dash(&cert.tsa_name))]],
            vec![vec![
                label("検証用URL"),
                body(or_dash(&cert.verification_url)),
            ]],
        ],
        empty: "",
    });
    doc.paragraph(
        "この証明書自体にも電子署名とタイムスタンプが付与されています。\
         改ざんの有無は、PDF閲覧ソフトの署名パネル、または上記の検証用URLで確認できます。",
        8.5,
        INK,
    );
}

impl Doc<'_> {
    /// Running header (pages 2…), footer and page numbers on every page.
    pub(super) fn decorate(&mut self, cert: &CompletionCertificate) {
        let total = self.pages.len();
        let notice = format!(
            "この証明書は電子契約サービス Tachiai が発行し、電子署名（{}）とタイムスタンプ（{}）を付与しています。",
            one_line(&cert.seal_subject),
            one_line(&cert.tsa_name),
        );
        let verify = format!(
            "検証：PDF閲覧ソフトの署名パネル、または {} で確認できます。",
            cert.verification_url
        );
        let number_w = 48.0;
        let size = 7.0;
        let mut lines = self.font.wrap(&notice, size, CONTENT_W - number_w);
        lines.extend(self.font.wrap(&verify, size, CONTENT_W - number_w));
        lines.truncate(3);
        let running = format!(
            "合意締結証明書　契約番号 {}",
            one_line(&cert.contract_number)
        );
        let running = self.font.fit(&running, 7.5, CONTENT_W);
        for i in 0..total {
            self.current = i;
            let rule_y = MARGIN + 22.0;
            self.rule(MARGIN, PAGE_W - MARGIN, rule_y, 0.5, RULE);
            for (k, line) in lines.iter().enumerate() {
                let y = rule_y - 9.0 - k as f32 * (size * 1.35);
                self.text(MARGIN, y, size, GREY_TEXT, line);
            }
            let number = format!("{} / {}", i + 1, total);
            let w = self.font.width(&number, 8.0);
            self.text(PAGE_W - MARGIN - w, rule_y - 10.0, 8.0, INK, &number);
            if i > 0 {
                let y = PAGE_H - MARGIN + 12.0;
                self.text(MARGIN, y, 7.5, GREY_TEXT, &running);
                self.rule(MARGIN, PAGE_W - MARGIN, y - 4.0, 0.4, RULE);
            }
        }
    }
}
