//! Verification for anyone (仕様 5-(20)): upload a PDF and get the service's own verdict on
//! every signature and timestamp, plus whether this service issued exactly this file; and the
//! QR code's `/v/{public_id}`, which shows only the contract number, the conclusion date and the
//! seal status. No login; nothing of a contract's content is disclosed.

use diesel::prelude::*;
use shared::contract::{ContractState, DocumentRole};
use shared::dto::{
    DerivationEvidence, DerivedFromView, PublicContractView, PublicVerificationView, SignatureLoss,
    VerificationView,
};

use crate::db::AnyConnection;
use crate::db::schema::{contracts::dsl as c, documents::dsl as d};
use crate::workflow::error::{WorkflowError, WorkflowResult};
use crate::workflow::seal_marks::{self, MarkKind};

/// The roots the verifier trusts: the service's, and every seal key's ever used.
pub fn trust(
    conn: &mut AnyConnection,
    seal: &crate::seal::SealService,
) -> WorkflowResult<std::sync::Arc<pades::ValidationContext>> {
    Ok(seal.trust(conn)?)
}

/// `POST /verify`, first half: the verifier's verdict, within the reader's budget and `deadline`
/// (CPU only, no database), trusting `trust` (see [`trust`]).
#[tracing::instrument(skip_all)]
pub fn verify_pdf(
    trust: &pades::ValidationContext,
    pdf: &[u8],
    deadline: std::time::Duration,
) -> WorkflowResult<VerificationView> {
    crate::seal::verify_within(pdf, trust, deadline).map_err(|e| {
        if let pades::PadesError::TooComplex {
            limit: pades::LimitKind::Time,
        } = e
        {
            // Time depends on the load as much as on the file: not the file's fault.
            WorkflowError::from(shared::problem::ProblemCode::VerificationTimeout)
        } else if e.is_input_rejection() {
            WorkflowError::from(crate::seal::problem_of_refused_pdf(&e))
        } else {
            WorkflowError::Internal(anyhow::anyhow!("verifier: {e}"))
        }
    })
}

/// `POST /verify`, between the halves: the marks that can tie a rewritten file to the sealed
/// file it came from (CPU only, within `deadline`); none when the reader cannot get them.
pub fn marks_of(pdf: &[u8], deadline: std::time::Duration) -> Option<pades::PdfMarks> {
    let limits = pades::ReadLimits {
        max_time: deadline,
        ..Default::default()
    };
    pades::marks_with_limits(pdf, &limits).ok()
}

/// `POST /verify`, second half: whether this service issued exactly these bytes, and if not,
/// whether they were made from a file it issued (`marks`, see [`seal_marks`]).
#[tracing::instrument(skip_all)]
pub fn issued_by_this_service(
    conn: &mut AnyConnection,
    verification: VerificationView,
    marks: Option<pades::PdfMarks>,
) -> WorkflowResult<PublicVerificationView> {
    // Issued by us: the same bytes are a sealed file or certificate of some contract.
    let issued: Option<(String, String)> = d::documents
        .filter(
            d::sha256
                .eq(&verification.sha256)
                .and(d::role.eq_any([
                    DocumentRole::Sealed.as_str(),
                    DocumentRole::Certificate.as_str(),
                ]))
                .and(d::removed_at.is_null()),
        )
        .select((d::contract_id, d::role))
        .first(conn)
        .optional()?;
    let (contract_number, concluded_on, document_role) = match issued {
        Some((contract_id, role)) => {
            let p = public_facts(conn, &contract_id)?;
            (
                Some(p.number),
                p.concluded_on,
                Some(DocumentRole::try_from(role)?),
            )
        }
        None => (None, None, None),
    };
    let derived_from = match (&contract_number, marks) {
        (None, Some(marks)) => derived_from(conn, &verification, &marks)?,
        _ => None,
    };
    Ok(PublicVerificationView {
        issued_by_this_service: contract_number.is_some(),
        verification,
        contract_number,
        concluded_on,
        document_role,
        derived_from,
    })
}

/// What `/v/{public_id}` shows of a contract, and that id.
struct PublicFacts {
    number: String,
    concluded_on: Option<String>,
    public_id: String,
}

fn public_facts(conn: &mut AnyConnection, contract_id: &str) -> WorkflowResult<PublicFacts> {
    let (number, concluded_on, public_id): (String, Option<String>, String) = c::contracts
        .filter(c::id.eq(contract_id))
        .select((c::contract_number, c::concluded_on, c::public_id))
        .first(conn)?;
    Ok(PublicFacts {
        number,
        concluded_on,
        public_id,
    })
}

/// The sealed file a rewritten PDF was made from, and the verdict in words.
fn derived_from(
    conn: &mut AnyConnection,
    verification: &VerificationView,
    marks: &pades::PdfMarks,
) -> WorkflowResult<Option<DerivedFromView>> {
    let Some(origin) = seal_marks::find_origin(conn, marks).map_err(WorkflowError::Internal)?
    else {
        return Ok(None);
    };
    let p = public_facts(conn, &origin.contract_id)?;
    let matched_by = match origin.matched_by {
        MarkKind::Signature => DerivationEvidence::Signature,
        MarkKind::FileId => DerivationEvidence::FileId,
    };
    let signatures = if verification.signatures.is_empty() {
        SignatureLoss::Removed
    } else if verification.all_valid {
        SignatureLoss::Intact
    } else {
        SignatureLoss::Broken
    };
    let path = format!("/v/{}", p.public_id);
    let (what_ja, what_en) = match origin.role {
        DocumentRole::Certificate => ("合意締結証明書", "completion certificate"),
        _ => ("署名済み契約書", "sealed contract"),
    };
    let (made_ja, made_en) = match matched_by {
        DerivationEvidence::Signature => ("から作られたファイルです", "was made from"),
        DerivationEvidence::FileId => (
            "から作られたファイルと考えられます（文書 ID が一致）",
            "was probably made from (its document ID matches)",
        ),
    };
    let (sig_ja, sig_en) = match signatures {
        SignatureLoss::Broken => (
            "ファイルが書き換えられたため、署名は無効になっています",
            "its signatures no longer verify because the file was modified",
        ),
        SignatureLoss::Removed => ("署名は取り除かれています", "its signatures were removed"),
        SignatureLoss::Intact => (
            "署名は有効ですが、原本の後に変更が追加されています",
            "its signatures still verify, but changes were appended to the original",
        ),
    };
    let message_ja = format!(
        "このファイルは本サービスが発行したファイルそのものではありません（SHA-256 が原本と異なります）。\
         契約番号 {n} の{what_ja}{made_ja}（無害化装置などで書き換えられた可能性があります）。{sig_ja}。\
         原本は、職員の方は契約の詳細画面からダウンロードできます。それ以外の方は {path} で契約の状態を確かめ、\
         契約した自治体に原本を依頼してください。",
        n = p.number
    );
    let message_en = format!(
        "This file is not one this service issued (its SHA-256 differs from the original's). It \
         {made_en} the {what_en} of contract {n}, probably rewritten by a sanitising gateway; \
         {sig_en}. Staff can download the original from the contract's page; anyone else can \
         check the contract at {path} and ask the city for the original.",
        n = p.number
    );
    Ok(Some(DerivedFromView {
        contract_number: p.number,
        concluded_on: p.concluded_on,
        document_role: origin.role,
        matched_by,
        signatures,
        verification_path: path,
        message_ja,
        message_en,
    }))
}

/// `GET /public/contracts/{public_id}`.
#[tracing::instrument(skip_all)]
pub fn public_contract(
    conn: &mut AnyConnection,
    public_id: &str,
) -> WorkflowResult<PublicContractView> {
    let (id, number, concluded_on, state): (String, String, Option<String>, String) = c::contracts
        .filter(c::public_id.eq(public_id))
        .select((c::id, c::contract_number, c::concluded_on, c::state))
        .first(conn)?;
    let state = ContractState::try_from(state)?;
    let has_seal: bool = diesel::select(diesel::dsl::exists(
        d::documents.filter(
            d::contract_id
                .eq(&id)
                .and(d::role.eq(DocumentRole::Sealed.as_str())),
        ),
    ))
    .get_result(conn)?;
    // 廃棄済み: the page says when, so a copy shown later can be placed.
    let disposed_on = match state {
        ContractState::Disposed => {
            crate::db::queries::retention::disposed_at_by_contract(conn, &id)?
                .map(crate::clock::jst_date)
        }
        _ => None,
    };
    Ok(PublicContractView {
        contract_number: number,
        concluded_on,
        sealed: has_seal && state == ContractState::Concluded,
        state,
        disposed_on,
    })
}
