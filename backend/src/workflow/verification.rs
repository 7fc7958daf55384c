//! Verification for anyone (仕様 5-(20)): upload a PDF and get the service's own verdict on
//! every signature and timestamp, plus whether this service issued exactly this file; and the
//! QR code's `/v/{public_id}`, which shows only the contract number, the conclusion date and the
//! seal status. No login; nothing of a contract's content is disclosed.

use diesel::prelude::*;
use shared::contract::{ContractState, DocumentRole};
use shared::dto::{PublicContractView, PublicVerificationView, VerificationView};

use crate::db::AnyConnection;
use crate::db::schema::{contracts::dsl as c, documents::dsl as d};
use crate::workflow::error::{WorkflowError, WorkflowResult};

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

/// `POST /verify`, second half: whether this service issued exactly these bytes.
#[tracing::instrument(skip_all)]
pub fn issued_by_this_service(
    conn: &mut AnyConnection,
    verification: VerificationView,
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
            let (number, concluded): (String, Option<String>) = c::contracts
                .filter(c::id.eq(&contract_id))
                .select((c::contract_number, c::concluded_on))
                .first(conn)?;
            (Some(number), concluded, Some(DocumentRole::try_from(role)?))
        }
        None => (None, None, None),
    };
    Ok(PublicVerificationView {
        issued_by_this_service: contract_number.is_some(),
        verification,
        contract_number,
        concluded_on,
        document_role,
    })
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
