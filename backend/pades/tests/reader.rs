//! Reader invariants on the corpus: every "sign OK" file inspects cleanly with the structure the
//! corpus README states, every "reject" file gives its specific error.

use std::path::PathBuf;

use pades::{DocMdpPermission, PadesError, XrefKind, inspect};

fn corpus(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/pdf-corpus")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// (file, pages, newest xref kind, sections, linearized, signature fields (name, signed))
type Case = (
    &'static str,
    u32,
    XrefKind,
    usize,
    bool,
    &'static [(&'static str, bool)],
);

#[test]
fn sign_ok_files_report_their_structure() {
    let cases: &[Case] = &[
        (
            "libreoffice-ja-contract.pdf",
            2,
            XrefKind::Table,
            1,
            false,
            &[],
        ),
        (
            "libreoffice-ja-contract-pdfa2b.pdf",
            2,
            XrefKind::Table,
            1,
            false,
            &[],
        ),
        ("ghostscript-ps2pdf.pdf", 2, XrefKind::Table, 1, false, &[]),
        (
            "ghostscript-pdf13-classic-xref.pdf",
            2,
            XrefKind::Table,
            1,
            false,
            &[],
        ),
        (
            "qpdf-object-streams.pdf",
            2,
            XrefKind::Stream,
            1,
            false,
            &[],
        ),
        ("qpdf-linearized.pdf", 2, XrefKind::Table, 2, true, &[]),
        ("qpdf-qdf.pdf", 2, XrefKind::Table, 1, false, &[]),
        (
            "incremental-update-empty-sigfield.pdf",
            2,
            XrefKind::Table,
            2,
            false,
            &[("Seal", false)],
        ),
        (
            "incremental-update-xref-stream.pdf",
            2,
            XrefKind::Stream,
            2,
            false,
            &[("Seal", false)],
        ),
        ("reportlab-acroform.pdf", 1, XrefKind::Table, 1, false, &[]),
        (
            "reportlab-photo-report-120p.pdf",
            120,
            XrefKind::Table,
            1,
            false,
            &[],
        ),
        ("img2pdf-scan-9p.pdf", 9, XrefKind::Table, 2, true, &[]),
        (
            "word2010-hybrid-xref.pdf",
            19,
            XrefKind::Hybrid,
            2,
            false,
            &[],
        ),
        (
            "presigned-pades-bt-rsa.pdf",
            2,
            XrefKind::Table,
            2,
            false,
            &[("PartyA", true)],
        ),
    ];
    for (name, pages, kind, sections, linearized, sigs) in cases {
        let info = inspect(&corpus(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.page_count, *pages, "{name} pages");
        assert_eq!(info.xref_kind, *kind, "{name} xref kind");
        assert_eq!(info.xref_sections, *sections, "{name} xref sections");
        assert_eq!(info.linearized, *linearized, "{name} linearized");
        let got: Vec<(String, bool)> = info
            .signature_fields
            .iter()
            .map(|f| (f.name.clone(), f.signed))
            .collect();
        let want: Vec<(String, bool)> = sigs.iter().map(|(n, s)| (n.to_string(), *s)).collect();
        assert_eq!(got, want, "{name} signature fields");
        assert_eq!(info.docmdp, None, "{name} docmdp");
    }
}

#[test]
fn presigned_file_reports_its_cades_signature() {
    let info = inspect(&corpus("presigned-pades-bt-rsa.pdf")).unwrap();
    assert_eq!(info.signature_count(), 1);
    assert_eq!(
        info.signature_fields[0].sub_filter.as_deref(),
        Some("ETSI.CAdES.detached")
    );
}

#[test]
fn reportlab_form_fields_are_seen_but_are_not_signature_fields() {
    let info = inspect(&corpus("reportlab-acroform.pdf")).unwrap();
    assert!(info.has_acroform);
    assert!(info.signature_fields.is_empty());
}

#[test]
fn reject_files_give_their_specific_error() {
    let e = inspect(&corpus("not-a-pdf-docx-renamed.pdf")).unwrap_err();
    assert!(matches!(e, PadesError::NotPdf), "{e:?}");
    let e = inspect(&corpus("truncated.pdf")).unwrap_err();
    assert!(matches!(e, PadesError::Damaged { .. }), "{e:?}");
    let e = inspect(&corpus("encrypted-aes256-user-password.pdf")).unwrap_err();
    assert!(
        matches!(
            e,
            PadesError::Encrypted {
                needs_password: true
            }
        ),
        "{e:?}"
    );
    let e = inspect(&corpus("encrypted-aes128-owner-only.pdf")).unwrap_err();
    assert!(
        matches!(
            e,
            PadesError::Encrypted {
                needs_password: false
            }
        ),
        "{e:?}"
    );
    let e = inspect(&corpus("presigned-certified-no-changes.pdf")).unwrap_err();
    assert!(matches!(e, PadesError::CertifiedNoChanges), "{e:?}");
    assert_eq!(e.code(), "certified_no_changes");
}

#[test]
fn docmdp_p2_is_reported_not_refused() {
    // Make a P=2 variant of the certified file by changing `/P 1` in its TransformParams: the
    // reader only looks at structure, so the (now invalid) signature does not matter here.
    let mut bytes = corpus("presigned-certified-no-changes.pdf");
    let pos = bytes
        .windows(4)
        .rposition(|w| w == b"/P 1")
        .expect("/P 1 present");
    bytes[pos + 3] = b'2';
    let info = inspect(&bytes).unwrap();
    assert_eq!(info.docmdp, Some(DocMdpPermission::FormFillingAndSigning));
}
