//! 電子署名の検証 (`/verify`) and 契約の確認 (`/v/{public_id}`, the QR code's target): public
//! pages of the public bundle, no login. The verdict comes from the service's own verifier;
//! this page only says it in plain words.

use leptos::prelude::*;
use shared::contract::ContractState;
use shared::dto::{LtvCheckView, PublicVerificationView, RevocationCheckView, SignatureCheckView};
use shared::problem::Problem;
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::contract::{StateBadge, role_label};
use crate::components::form::Loading;
use crate::format::{date_ja, jst};
use crate::i18n::{I18n, K, Lang, use_i18n};
use crate::public::PublicFrame;

/// Upload a signed PDF, see each signature and timestamp.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let i = use_i18n();
    let file = RwSignal::new_local(None::<web_sys::File>);
    let missing = RwSignal::new(false);
    let check = Action::new_local(move |f: &web_sys::File| {
        let f = f.clone();
        async move { api::public::verify(&f).await }
    });
    let on_change = move |ev: leptos::ev::Event| {
        let chosen = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        missing.set(chosen.is_none());
        file.set(chosen);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match file.get_untracked() {
            Some(f) => {
                missing.set(false);
                check.dispatch(f);
            }
            None => missing.set(true),
        }
    };
    view! {
        <PublicFrame>
            <h1>{i.tr(K::VerifyTitle)}</h1>
            <section class="card sign-card">
                <p>{i.tr(K::VerifyLead)}</p>
                <form class="form" on:submit=submit novalidate>
                    <div class="field">
                        <label for="verify-file">{i.tr(K::VerifyFile)}</label>
                        <input
                            id="verify-file"
                            type="file"
                            accept="application/pdf,.pdf"
                            aria-invalid=move || missing.get().to_string()
                            aria-describedby="verify-file-error"
                            on:change=on_change
                        />
                        <p class="field-error" id="verify-file-error">
                            {move || missing.get().then(|| i.t(K::VerifyChooseFile))}
                        </p>
                    </div>
                    <button type="submit" class="btn btn-primary btn-block" disabled=move || check.pending().get()>
                        {i.tr(K::VerifySubmit)}
                    </button>
                </form>
            </section>
            {move || check.pending().get().then(|| view! { <Loading /> })}
            {move || match check.value().get() {
                None => ().into_any(),
                Some(Err(p)) => view! { <ProblemBanner problem=p /> }.into_any(),
                Some(Ok(v)) => view! { <Verdict view=v /> }.into_any(),
            }}
        </PublicFrame>
    }
}

#[component]
fn ProblemBanner(problem: Problem) -> impl IntoView {
    let i = use_i18n();
    view! { <div class="alert alert-error" role="alert">{move || i.problem(&problem)}</div> }
}

/// The overall verdict, whether this service issued the file, and each signature.
#[component]
fn Verdict(view: PublicVerificationView) -> impl IntoView {
    let i = use_i18n();
    let v = view.verification;
    let (class, key) = if v.signatures.is_empty() {
        ("alert alert-error", K::VerifyNoSignature)
    } else if v.all_valid {
        ("alert alert-success", K::VerifyAllValid)
    } else {
        ("alert alert-error", K::VerifyNotValid)
    };
    // 長期署名: the verifier's LTV verdict and the lowest PAdES level over the signatures.
    let ltv = ltv_summary(&v.signatures);
    let issued = view.issued_by_this_service;
    let role = view.document_role;
    let number = view.contract_number.clone().unwrap_or_default();
    let concluded = view
        .concluded_on
        .as_deref()
        .map(date_ja)
        .unwrap_or_default();
    let signatures = v
        .signatures
        .into_iter()
        .enumerate()
        .map(|(n, s)| view! { <SignatureCard n=n + 1 sig=s /> })
        .collect_view();
    // A copy rewritten by a gateway: what it was made from and where the original is.
    let derived = view.derived_from.map(|d| {
        let (ja, en) = (d.message_ja, d.message_en);
        view! {
            <div class="alert alert-warn verify-derived" role="status">
                <p><strong>{i.tr(K::VerifyDerivedTitle)}</strong></p>
                <p>{move || if i.lang() == Lang::Ja { ja.clone() } else { en.clone() }}</p>
                <p><a href=d.verification_path>{i.tr(K::VerifyDerivedOpen)}</a></p>
            </div>
        }
    });
    view! {
        <section class="card sign-card verify-result" aria-labelledby="verify-result-title">
            <h2 id="verify-result-title">{i.tr(K::VerifyResult)}</h2>
            <div class=class role="status">{i.tr(key)}</div>
            {derived}
            <dl class="facts">
                <dt>{i.tr(K::VerifyLtv)}</dt>
                <dd class="verify-ltv">{move || ltv.text(i)}</dd>
                <dt>{i.tr(K::VerifyIssuer)}</dt>
                <dd>{move || i.t(if issued { K::VerifyIssuedYes } else { K::VerifyIssuedNo })}</dd>
                {issued.then(|| view! {
                    <dt>{i.tr(K::VerifyDocumentRole)}</dt>
                    <dd>{move || role.map(|r| role_label(i, r))}</dd>
                    <dt>{i.tr(K::ContractNumber)}</dt>
                    <dd class="mono">{number.clone()}</dd>
                })}
                {(!concluded.is_empty()).then(|| view! {
                    <dt>{i.tr(K::ConcludedOn)}</dt>
                    <dd>{concluded.clone()}</dd>
                })}
                <dt>{i.tr(K::VerifySha256)}</dt>
                <dd class="mono hash">{v.sha256.clone()}</dd>
            </dl>
        </section>
        <ol class="sig-list" role="list">{signatures}</ol>
        <p><a href="/trust">{i.tr(K::TrustGuideLink)}</a></p>
    }
}

/// One signature or document timestamp.
#[component]
fn SignatureCard(n: usize, sig: SignatureCheckView) -> impl IntoView {
    let i = use_i18n();
    let is_signature = sig.kind == "signature";
    let kind = if is_signature {
        K::SigKindSignature
    } else {
        K::SigKindTimestamp
    };
    let (badge, verdict) = if sig.valid {
        ("badge badge-on", K::SigValid)
    } else {
        ("badge badge-off", K::SigInvalid)
    };
    let coverage = sig.coverage.clone();
    let signer = sig.signer.clone().unwrap_or_default();
    // For this service's seals: who agreed, their organisation and e-mail, how they were
    // verified and when.
    let reason = sig.reason.clone().filter(|r| !r.is_empty());
    let time = sig.timestamp.as_ref().map(|t| jst(&t.time));
    let tsa = sig.timestamp.as_ref().map(|t| t.tsa.clone());
    let problems = sig.problems.clone();
    let level = sig.pades_level.clone();
    let ltv = sig.ltv.clone();
    let revocation = sig.revocation.clone();
    view! {
        <li class="card sign-card sig-card">
            <h3>
                <span class="sig-no">{n}". "</span>
                {i.tr(kind)}
                " "
                <span class=badge>{i.tr(verdict)}</span>
            </h3>
            <dl class="facts">
                <dt>{move || i.t(if is_signature { K::SigSigner } else { K::SigTsa })}</dt>
                <dd class="sig-subject">{signer}</dd>
                {reason.map(|r| view! { <dt>{i.tr(K::SigReason)}</dt><dd class="sig-reason">{r}</dd> })}
                {time.map(|t| view! { <dt>{i.tr(K::SigTime)}</dt><dd>{t}</dd> })}
                {tsa.filter(|_| is_signature).map(|t| view! { <dt>{i.tr(K::SigTsa)}</dt><dd class="sig-subject">{t}</dd> })}
                <dt>{i.tr(K::SigIntact)}</dt>
                <dd>{move || yes_no(i, sig.intact, K::SigIntactYes, K::SigIntactNo)}</dd>
                <dt>{i.tr(K::SigCrypto)}</dt>
                <dd>{move || yes_no(i, sig.signature_valid, K::SigCryptoYes, K::SigCryptoNo)}</dd>
                <dt>{i.tr(K::SigTrusted)}</dt>
                <dd>{move || yes_no(i, sig.trusted, K::SigTrustedYes, K::SigTrustedNo)}</dd>
                <dt>{i.tr(K::SigCoverage)}</dt>
                <dd>{move || coverage_label(i, &coverage)}</dd>
                {is_signature.then(|| view! {
                    <dt>{i.tr(K::SigLevel)}</dt>
                    <dd class="sig-level">{move || match &level {
                        Some(l) => format!("PAdES {l}"),
                        None => i.t(K::SigLevelNone).to_owned(),
                    }}</dd>
                })}
                <dt>{i.tr(K::SigLtv)}</dt>
                <dd class="sig-ltv"><LtvDetail ltv=ltv /></dd>
                <dt>{i.tr(K::SigRevocation)}</dt>
                <dd class="sig-revocation"><RevocationDetail checks=revocation /></dd>
                <dt>{i.tr(K::SigField)}</dt>
                <dd class="mono">{sig.field_name.clone()}" ("{sig.sub_filter.clone()}")"</dd>
            </dl>
            {(!problems.is_empty()).then(|| view! {
                <p class="sub">{i.tr(K::SigProblems)}</p>
                <ul class="sig-problems" lang="en">
                    {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
            })}
        </li>
    }
}

/// The verdict over all signatures: long-term verifiable when each is, with the lowest level.
#[derive(Clone, Copy)]
struct LtvSummary {
    complete: bool,
    level: Option<&'static str>,
}

impl LtvSummary {
    fn text(self, i: I18n) -> String {
        match (self.complete, self.level) {
            (true, Some(l)) => format!("{}（PAdES {l}）", i.t(K::LtvComplete)),
            (false, Some(l)) => format!("{}（PAdES {l}）", i.t(K::LtvIncomplete)),
            _ => i.t(K::LtvNotPades).to_owned(),
        }
    }
}

fn ltv_summary(signatures: &[SignatureCheckView]) -> LtvSummary {
    const LEVELS: [&str; 4] = ["B-B", "B-T", "B-LT", "B-LTA"];
    let sigs: Vec<&SignatureCheckView> = signatures
        .iter()
        .filter(|s| s.kind == "signature")
        .collect();
    let rank = |s: &SignatureCheckView| {
        s.pades_level
            .as_deref()
            .and_then(|l| LEVELS.iter().position(|x| *x == l))
    };
    let ranks: Option<Vec<usize>> = sigs.iter().map(|s| rank(s)).collect();
    let level = ranks.and_then(|r| r.into_iter().min()).map(|n| LEVELS[n]);
    LtvSummary {
        complete: !sigs.is_empty() && sigs.iter().all(|s| s.ltv.complete),
        level,
    }
}

/// 長期検証: complete, data present but not yet protected, or what is missing.
#[component]
fn LtvDetail(ltv: LtvCheckView) -> impl IntoView {
    let i = use_i18n();
    let key = if ltv.complete {
        K::SigLtvComplete
    } else if ltv.data_in_file {
        K::SigLtvInFile
    } else {
        K::SigLtvMissing
    };
    let gaps = ltv
        .missing
        .into_iter()
        .map(|g| {
            let label = match g.kind.as_str() {
                "timestamp" => K::LtvGapTimestamp,
                "revocation" => K::LtvGapRevocation,
                "not_covered" => K::LtvGapNotCovered,
                _ => K::LtvGapDocumentTimestamp,
            };
            view! {
                <li>
                    {i.tr(label)}
                    {g.subject.map(|s| view! { ": "<span class="sig-subject">{s}</span> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <span>{i.tr(key)}</span>
        <ul class="ltv-missing">{gaps}</ul>
    }
}

/// 失効情報: a one-line summary, then each certificate.
#[component]
fn RevocationDetail(checks: Vec<RevocationCheckView>) -> impl IntoView {
    let i = use_i18n();
    let summary = revocation_summary(&checks);
    let rows = checks
        .into_iter()
        .map(|c| {
            let status = match c.status.as_str() {
                "good" => K::RevGood,
                "revoked" => K::RevRevokedOne,
                "revoked_later" => K::RevRevokedLater,
                "unknown" => K::RevUnknown,
                _ => K::RevMissingOne,
            };
            let via = c.source.as_deref().map(|s| if s == "ocsp" { K::RevViaOcsp } else { K::RevViaCrl });
            let origin = c.origin.as_deref().map(|o| match o {
                "dss" => K::RevInDss,
                "signature" => K::RevInSignature,
                _ => K::RevOnline,
            });
            let tsa = c.timestamp_chain;
            let refused = c.refused;
            view! {
                <li>
                    {tsa.then(|| view! { <span class="badge">{i.tr(K::RevTsaChain)}</span>" " })}
                    <span class="sig-subject">{c.subject}</span>": "
                    {i.tr(status)}
                    {via.zip(origin).map(|(v, o)| view! { "（"{i.tr(v)}"・"{i.tr(o)}"）" })}
                    {(!refused.is_empty()).then(|| view! {
                        <ul class="sig-problems">
                            {refused.into_iter().map(|r| view! { <li>{i.tr(K::RevRefused)}": "<span lang="en">{r}</span></li> }).collect_view()}
                        </ul>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <span>{move || i.t(summary)}</span>
        <ul class="rev-list">{rows}</ul>
    }
}

fn revocation_summary(checks: &[RevocationCheckView]) -> K {
    if checks.is_empty() {
        return K::RevNothing;
    }
    if checks.iter().any(|c| c.status == "revoked") {
        return K::RevRevoked;
    }
    let from_file = |c: &&RevocationCheckView| {
        matches!(c.status.as_str(), "good" | "revoked_later")
            && c.origin.as_deref().is_some_and(|o| o != "online")
    };
    let checked: Vec<&RevocationCheckView> = checks.iter().filter(from_file).collect();
    if checked.is_empty() {
        return K::RevNotChecked;
    }
    if checked.len() < checks.len() {
        return K::RevPartly;
    }
    let ocsp = checked.iter().any(|c| c.source.as_deref() == Some("ocsp"));
    let crl = checked.iter().any(|c| c.source.as_deref() == Some("crl"));
    match (ocsp, crl) {
        (true, true) => K::RevCheckedBoth,
        (false, true) => K::RevCheckedCrl,
        _ => K::RevCheckedOcsp,
    }
}

fn yes_no(i: I18n, ok: bool, yes: K, no: K) -> &'static str {
    i.t(if ok { yes } else { no })
}

fn coverage_label(i: I18n, coverage: &str) -> &'static str {
    match coverage {
        "entire_file" => i.t(K::CoverageFile),
        "entire_revision" => i.t(K::CoverageRevision),
        _ => i.t(K::CoveragePartial),
    }
}

/// 契約の確認: what the QR code on a signed contract leads to (number, date, seal status).
#[component]
pub fn PublicContractPage(public_id: String) -> impl IntoView {
    let i = use_i18n();
    let res = LocalResource::new(move || {
        let id = public_id.clone();
        async move { api::public::contract(&id).await }
    });
    view! {
        <PublicFrame>
            <h1>{i.tr(K::PublicContractTitle)}</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match res.await {
                        Err(p) => view! { <ProblemBanner problem=p /> }.into_any(),
                        Ok(c) => {
                            let concluded = c.concluded_on.as_deref().map(date_ja).unwrap_or_default();
                            let sealed = c.sealed;
                            let state: ContractState = c.state;
                            // 廃棄済み: the record itself says since when.
                            let disposed = c.disposed_on.as_deref().map(|d| {
                                let d = date_ja(d);
                                view! {
                                    <div class="alert alert-info" role="status">
                                        {i.tr(K::PublicDisposedOn)}{d}
                                    </div>
                                }
                            });
                            view! {
                                <section class="card sign-card public-contract">
                                    {disposed}
                                    <p>{i.tr(K::PublicContractLead)}</p>
                                    <dl class="facts">
                                        <dt>{i.tr(K::ContractNumber)}</dt>
                                        <dd class="mono">{c.contract_number.clone()}</dd>
                                        <dt>{i.tr(K::ConcludedOn)}</dt>
                                        <dd>{concluded}</dd>
                                        <dt>{i.tr(K::Status)}</dt>
                                        <dd><StateBadge state=state /></dd>
                                        <dt>{i.tr(K::PublicSeal)}</dt>
                                        <dd>{move || yes_no(i, sealed, K::PublicSealYes, K::PublicSealNo)}</dd>
                                    </dl>
                                    <p><a href="/verify">{i.tr(K::PublicToVerify)}</a></p>
                                    <p><a href="/trust">{i.tr(K::TrustGuideLink)}</a></p>
                                </section>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </PublicFrame>
    }
}
