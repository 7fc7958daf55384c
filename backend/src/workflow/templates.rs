//! Document templates (ひな形): a department's reusable contract — main PDF and attachments,
//! field defaults (件名, 金額, 期間, 印影の位置 …), the approval route template (決裁ルートの
//! ひな形) it copies, and counterparty slots (送付先の枠, e.g. 受注者) filled per contract.
//!
//! Who: everyone who reads contracts sees the templates of their own department and the shared
//! ones (all of them with `ViewAllDepartments`); `ManageTemplates` changes those of one's own
//! department (any, and the shared ones, with `ViewAllDepartments` too); making a contract from
//! a template needs `CreateContracts`. A template refers to its route template rather than
//! copying the route, so a changed route applies to the next contract; its files are blobs
//! shared (by SHA-256) with the contracts made from it, as a duplicated contract shares them.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::DocumentRole;
use shared::dto::{
    ApprovalStepRequest, ContractRequest, ContractView, RecipientSlot, SlotValues,
    TemplateContractRequest, TemplateDocumentView, TemplateFields, TemplateRequest, TemplateView,
};
use shared::problem::{FieldError, ProblemCode};
use shared::validate::{EmailAddress, Name, ValidationError};
use uuid::Uuid;

use crate::audit::{self, Entry, Outcome};
use crate::clock::{Millis, rfc3339};
use crate::db::models::{
    ApprovalStep, Contract, Document, DocumentTemplate, Recipient, TemplateDocument,
};
use crate::db::queries::{departments, route_templates, templates};
use crate::db::{self, AnyConnection};
use crate::storage::BlobStore;
use crate::workflow::actor::Actor;
use crate::workflow::approval_routes;
use crate::workflow::contracts::{
    self, CheckedContract, CheckedUpload, DraftParts, UploadLimits, check_contract,
    check_recipient, storage_error,
};
use crate::workflow::error::{FieldErrors, WorkflowError, WorkflowResult, optional};
use crate::workflow::views::uuid;

/// The most counterparty slots a template may have (as many as a contract's recipients).
pub const MAX_SLOTS: usize = 20;

/// The field errors of a check, or the error that is not about fields.
pub(crate) fn field_errors(r: WorkflowResult<()>) -> WorkflowResult<Vec<FieldError>> {
    match r {
        Ok(()) => Ok(Vec::new()),
        Err(WorkflowError::Invalid(v)) => Ok(v),
        Err(other) => Err(other),
    }
}

fn slots_of(t: &DocumentTemplate) -> Vec<RecipientSlot> {
    serde_json::from_str(&t.recipient_slots).unwrap_or_default()
}

fn fields_of(t: &DocumentTemplate) -> TemplateFields {
    serde_json::from_str(&t.defaults).unwrap_or_default()
}

/// Whether `actor` may see (and use) the template.
fn visible(actor: &Actor, t: &DocumentTemplate) -> bool {
    actor.permissions.contains(&Permission::ViewAllDepartments)
        || t.department_id.is_none()
        || t.department_id == actor.department_id
}

/// A template of the tenant that `actor` may see; any other is `not_found`.
fn get_visible(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<DocumentTemplate> {
    let t = templates::get(conn, &actor.tenant_id, id)?;
    if visible(actor, &t) {
        Ok(t)
    } else {
        Err(WorkflowError::not_found())
    }
}

/// Refuses (403, audited) unless `actor` manages templates of `department_id` (`None`: the
/// shared ones, which need `ViewAllDepartments`).
fn require_manage(
    conn: &mut AnyConnection,
    actor: &Actor,
    department_id: Option<&str>,
) -> WorkflowResult<()> {
    actor.require(conn, Permission::ManageTemplates)?;
    let all = actor.permissions.contains(&Permission::ViewAllDepartments);
    if all || (department_id.is_some() && department_id == actor.department_id.as_deref()) {
        return Ok(());
    }
    actor.deny(
        conn,
        ProblemCode::Forbidden,
        json!({ "required": Permission::ViewAllDepartments.as_str(), "template_department": department_id }),
    )
}

fn view(conn: &mut AnyConnection, t: &DocumentTemplate) -> WorkflowResult<TemplateView> {
    let department_name = match &t.department_id {
        Some(d) => departments::get(conn, &t.tenant_id, d).ok().map(|d| d.name),
        None => None,
    };
    let route_template_name = match &t.route_template_id {
        Some(r) => route_templates::get(conn, &t.tenant_id, r)
            .ok()
            .map(|r| r.name),
        None => None,
    };
    let mut documents = templates::documents(conn, &t.tenant_id, &t.id)?;
    documents.sort_by_key(|d| d.role != DocumentRole::Main);
    Ok(TemplateView {
        id: uuid(&t.id),
        name: t.name.clone(),
        department_id: t.department_id.as_deref().map(uuid),
        department_name,
        route_template_id: t.route_template_id.as_deref().map(uuid),
        route_template_name,
        fields: fields_of(t),
        recipient_slots: slots_of(t),
        documents: documents
            .iter()
            .map(|d| TemplateDocumentView {
                id: uuid(&d.id),
                role: d.role,
                file_name: d.file_name.clone(),
                content_type: d.content_type.clone(),
                size: d.size,
                sha256: d.sha256.clone(),
                page_count: d.page_count,
            })
            .collect(),
        archived: t.archived,
        updated_at: rfc3339(t.updated_at),
    })
}

/// `GET /templates`: by name, those `actor` may see.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_templates(
    conn: &mut AnyConnection,
    actor: &Actor,
    include_archived: bool,
) -> WorkflowResult<Vec<TemplateView>> {
    actor.require(conn, Permission::ViewContracts)?;
    let own: Vec<String> = actor.department_id.iter().cloned().collect();
    let departments = (!actor.permissions.contains(&Permission::ViewAllDepartments)).then_some(own);
    let rows = templates::list(
        conn,
        &actor.tenant_id,
        departments.as_deref(),
        include_archived,
    )?;
    rows.iter().map(|t| view(conn, t)).collect()
}

/// `GET /templates/{id}`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn get_template(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<TemplateView> {
    actor.require(conn, Permission::ViewContracts)?;
    let t = get_visible(conn, actor, id)?;
    view(conn, &t)
}

/// The merged contract data: `values` over the template's defaults.
fn contract_request(
    fields: &TemplateFields,
    department_id: Option<&str>,
    values: &TemplateContractRequest,
) -> ContractRequest {
    let pick = |v: &Option<String>, d: &Option<String>| {
        v.clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| d.clone())
    };
    let mut custom_fields = fields.custom_fields.clone();
    custom_fields.extend(values.custom_fields.clone());
    ContractRequest {
        title: pick(&values.title, &fields.title).unwrap_or_default(),
        contract_number: values.contract_number.clone(),
        department_id: department_id.map(uuid),
        organization_id: None,
        counterparty_name: pick(&values.counterparty_name, &fields.counterparty_name),
        amount_yen: values.amount_yen.or(fields.amount_yen),
        period_start: pick(&values.period_start, &fields.period_start),
        period_end: pick(&values.period_end, &fields.period_end),
        retention_years: fields.retention_years,
        notes: pick(&values.notes, &fields.notes),
        custom_fields,
        recipient_order: fields.recipient_order,
        allow_forwarding: fields.allow_forwarding,
        message: pick(&values.message, &fields.message),
        stamp: fields.stamp,
    }
}

/// A checked template request: the row's name, department, route template, defaults and
/// slots (JSON).
struct CheckedTemplate {
    name: String,
    department_id: Option<String>,
    route_template_id: Option<String>,
    defaults: String,
    slots: String,
}

fn check_slot(e: &mut FieldErrors, i: usize, s: &RecipientSlot) {
    e.check(
        &format!("recipient_slots[{i}].label"),
        Name::parse(&s.label),
    );
    e.check(
        &format!("recipient_slots[{i}].organization_name"),
        optional(s.organization_name.as_deref(), Name::parse),
    );
    e.check(
        &format!("recipient_slots[{i}].name"),
        optional(s.name.as_deref(), Name::parse),
    );
    e.check(
        &format!("recipient_slots[{i}].email"),
        optional(s.email.as_deref(), EmailAddress::parse),
    );
}

fn check_template(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &TemplateRequest,
) -> WorkflowResult<CheckedTemplate> {
    let mut e = FieldErrors::default();
    let name = e.check("name", Name::parse(&req.name));
    let department_id = req.department_id.map(|d| d.to_string());
    if let Some(d) = &department_id
        && departments::get(conn, &actor.tenant_id, d).is_err()
    {
        e.push("department_id", ValidationError::UnknownReference);
    }
    let route_template_id = req.route_template_id.map(|r| r.to_string());
    if let Some(r) = &route_template_id
        && route_templates::get(conn, &actor.tenant_id, r).is_err()
    {
        e.push("route_template_id", ValidationError::UnknownReference);
    }
    if req.recipient_slots.len() > MAX_SLOTS {
        e.push("recipient_slots", ValidationError::TooLong);
    }
    for (i, s) in req.recipient_slots.iter().enumerate() {
        check_slot(&mut e, i, s);
    }
    let mut errors = field_errors(e.finish())?;
    // The defaults follow the contract's rules; the two fields every contract needs may be
    // left to each contract, so stand-ins are checked in their place.
    let mut probe = contract_request(&req.fields, None, &TemplateContractRequest::default());
    if probe.title.trim().is_empty() {
        probe.title = "-".into();
    }
    probe.counterparty_name.get_or_insert_with(|| "-".into());
    match check_contract(conn, &actor.tenant_id, &probe) {
        Ok(_) => {}
        Err(WorkflowError::Invalid(v)) => errors.extend(v.into_iter().map(|f| FieldError {
            field: format!("fields.{}", f.field),
            code: f.code,
        })),
        Err(other) => return Err(other),
    }
    if !errors.is_empty() {
        return Err(WorkflowError::Invalid(errors));
    }
    Ok(CheckedTemplate {
        name: name.map(Name::into_inner).unwrap_or_default(),
        department_id,
        route_template_id,
        defaults: serde_json::to_string(&req.fields).map_err(anyhow::Error::new)?,
        slots: serde_json::to_string(&req.recipient_slots).map_err(anyhow::Error::new)?,
    })
}

/// `POST /templates`. Without a department: the actor's own, or shared by every department
/// for a holder of `ViewAllDepartments`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn create_template(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &TemplateRequest,
) -> WorkflowResult<TemplateView> {
    actor.require(conn, Permission::ManageTemplates)?;
    let mut checked = check_template(conn, actor, req)?;
    if checked.department_id.is_none()
        && !actor.permissions.contains(&Permission::ViewAllDepartments)
    {
        checked.department_id = actor.department_id.clone();
    }
    require_manage(conn, actor, checked.department_id.as_deref())?;
    let now = Millis::now().0;
    let row = DocumentTemplate {
        id: Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        department_id: checked.department_id,
        name: checked.name,
        route_template_id: checked.route_template_id,
        defaults: checked.defaults,
        recipient_slots: checked.slots,
        archived: req.archived,
        created_by: actor.user_id.clone(),
        created_at: now,
        updated_at: now,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        templates::insert(conn, &row)?;
        actor.audit(
            conn,
            AuditAction::TemplateCreated,
            Some(("template", &row.id)),
            json!({ "name": row.name, "department_id": row.department_id, "route_template_id": row.route_template_id, "fields": req.fields, "recipient_slots": req.recipient_slots }),
        )
    })?;
    view(conn, &row)
}

/// `PUT /templates/{id}`: contracts made from it keep what they copied.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn update_template(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &TemplateRequest,
) -> WorkflowResult<TemplateView> {
    actor.require(conn, Permission::ManageTemplates)?;
    let before = get_visible(conn, actor, id)?;
    require_manage(conn, actor, before.department_id.as_deref())?;
    let mut checked = check_template(conn, actor, req)?;
    if checked.department_id.is_none()
        && !actor.permissions.contains(&Permission::ViewAllDepartments)
    {
        checked.department_id = actor.department_id.clone();
    }
    require_manage(conn, actor, checked.department_id.as_deref())?;
    let row = DocumentTemplate {
        name: checked.name,
        department_id: checked.department_id,
        route_template_id: checked.route_template_id,
        defaults: checked.defaults,
        recipient_slots: checked.slots,
        archived: req.archived,
        updated_at: Millis::now().0,
        ..before.clone()
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        templates::save(conn, &row)?;
        actor.audit(
            conn,
            AuditAction::TemplateUpdated,
            Some(("template", id)),
            json!({
                "name": [before.name, row.name],
                "department_id": [before.department_id, row.department_id],
                "route_template_id": [before.route_template_id, row.route_template_id],
                "archived": [before.archived, row.archived],
                "fields": req.fields,
                "recipient_slots": req.recipient_slots,
            }),
        )
    })?;
    view(conn, &row)
}

/// `POST /templates/{id}/documents`: the main PDF (replacing the previous one) or an
/// attachment, checked as a contract's files are.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn upload_template_document(
    conn: &mut AnyConnection,
    actor: &Actor,
    store: &BlobStore,
    limits: UploadLimits,
    id: &str,
    checked: CheckedUpload,
) -> WorkflowResult<TemplateView> {
    actor.require(conn, Permission::ManageTemplates)?;
    let t = get_visible(conn, actor, id)?;
    require_manage(conn, actor, t.department_id.as_deref())?;
    let (upload, outcome) = checked.into_parts();
    let mut e = FieldErrors::default();
    let file_name = e
        .check("file_name", Name::parse(&upload.file_name))
        .map(Name::into_inner)
        .unwrap_or_default();
    e.finish()?;
    if upload.bytes.len() as u64 > limits.file_bytes {
        return Err(ProblemCode::PayloadTooLarge.into());
    }
    let (kind, page_count) = match outcome {
        Ok(accepted) => accepted,
        Err((code, reason, detail)) => {
            db::tenant_transaction(conn, &actor.tenant_id, |conn| {
                audit::record(
                    conn,
                    &actor.tenant_id,
                    &actor.origin,
                    Entry {
                        action: AuditAction::DocumentRejected,
                        target: Some(("template", id)),
                        outcome: Outcome::Failure,
                        details: json!({ "file_name": file_name, "role": upload.role.as_str(), "reason": reason, "detail": detail }),
                    },
                    Millis::now(),
                )
                .map(|_| ())
                .map_err(WorkflowError::from)
            })?;
            return Err(code.into());
        }
    };
    let current = templates::documents(conn, &actor.tenant_id, id)?;
    let replaced: Vec<&TemplateDocument> = current
        .iter()
        .filter(|d| upload.role == DocumentRole::Main && d.role == DocumentRole::Main)
        .collect();
    let kept: u64 = current
        .iter()
        .filter(|d| !replaced.iter().any(|r| r.id == d.id))
        .map(|d| d.size.max(0) as u64)
        .sum();
    if kept + upload.bytes.len() as u64 > limits.contract_bytes {
        return Err(ProblemCode::ContractTooLarge.into());
    }
    let stored = store.put(&upload.bytes).map_err(storage_error)?;
    let now = Millis::now().0;
    let doc = TemplateDocument {
        id: Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        template_id: id.to_owned(),
        role: upload.role,
        file_name,
        content_type: kind.media_type().to_owned(),
        size: i64::try_from(stored.size).unwrap_or(i64::MAX),
        sha256: stored.sha256,
        page_count,
        created_by: Some(actor.user_id.clone()),
        created_at: now,
        removed_at: None,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        for r in &replaced {
            templates::remove_document(conn, &actor.tenant_id, id, &r.id, now)?;
        }
        templates::insert_document(conn, &doc)?;
        actor.audit(
            conn,
            AuditAction::TemplateUpdated,
            Some(("template", id)),
            json!({ "fields": "documents", "document_id": doc.id, "role": doc.role, "file_name": doc.file_name, "sha256": doc.sha256, "size": doc.size, "replaced": replaced.iter().map(|r| &r.id).collect::<Vec<_>>() }),
        )
    })?;
    view(conn, &t)
}

/// `DELETE /templates/{id}/documents/{doc}`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn remove_template_document(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    document_id: &str,
) -> WorkflowResult<TemplateView> {
    actor.require(conn, Permission::ManageTemplates)?;
    let t = get_visible(conn, actor, id)?;
    require_manage(conn, actor, t.department_id.as_deref())?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        if templates::remove_document(conn, &actor.tenant_id, id, document_id, Millis::now().0)?
            == 0
        {
            return Err(WorkflowError::not_found());
        }
        actor.audit(
            conn,
            AuditAction::TemplateUpdated,
            Some(("template", id)),
            json!({ "fields": "documents", "removed": document_id }),
        )
    })?;
    view(conn, &t)
}

/// A template ready to make contracts from: its row, files, slots, defaults and its route
/// (approvers checked as of now).
pub(crate) struct Usable {
    pub row: DocumentTemplate,
    pub documents: Vec<TemplateDocument>,
    pub slots: Vec<RecipientSlot>,
    pub fields: TemplateFields,
    pub steps: Vec<ApprovalStep>,
}

impl Usable {
    /// Has a main PDF.
    pub fn has_main_document(&self) -> bool {
        self.documents.iter().any(|d| d.role == DocumentRole::Main)
    }
}

/// Loads a template `actor` may use (`CreateContracts`, visible, not archived).
pub(crate) fn usable(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<Usable> {
    actor.require(conn, Permission::CreateContracts)?;
    let row = get_visible(conn, actor, id)?;
    if row.archived {
        return Err(WorkflowError::not_found());
    }
    let documents = templates::documents(conn, &actor.tenant_id, id)?;
    let mut steps = Vec::new();
    if let Some(r) = &row.route_template_id {
        let route = route_templates::get(conn, &actor.tenant_id, r)?;
        let requested: Vec<ApprovalStepRequest> =
            serde_json::from_str(&route.steps).map_err(anyhow::Error::new)?;
        let mut e = FieldErrors::default();
        let checked = approval_routes::check_steps(conn, actor, &requested, &mut e);
        // An approver who left since the route template was saved: the route must be fixed
        // before contracts can copy it.
        if !field_errors(e.finish())?.is_empty() {
            return Err(WorkflowError::field(
                "route_template_id",
                ValidationError::UnknownReference,
            ));
        }
        steps = checked
            .into_iter()
            .enumerate()
            .map(|(i, s)| ApprovalStep {
                id: String::new(),
                tenant_id: actor.tenant_id.clone(),
                contract_id: String::new(),
                position: i32::try_from(i + 1).unwrap_or(i32::MAX),
                name: s.name,
                rule: s.rule,
                approver_ids: serde_json::to_string(&s.approver_ids)
                    .unwrap_or_else(|_| "[]".into()),
            })
            .collect();
    }
    Ok(Usable {
        slots: slots_of(&row),
        fields: fields_of(&row),
        row,
        documents,
        steps,
    })
}

/// A contract checked against a template, ready to insert.
pub(crate) struct Prepared {
    checked: CheckedContract,
    parts: DraftParts,
}

/// Checks `values` over the template's defaults: every field error at once, the contract's
/// under their `ContractRequest` names, the slots' under `recipients[i]…`. No writes.
pub(crate) fn prepare(
    conn: &mut AnyConnection,
    actor: &Actor,
    t: &Usable,
    values: &TemplateContractRequest,
) -> WorkflowResult<Prepared> {
    let req = contract_request(&t.fields, t.row.department_id.as_deref(), values);
    let mut e = FieldErrors::default();
    if values.recipients.len() > t.slots.len() {
        e.push("recipients", ValidationError::TooLong);
    }
    let none = SlotValues::default();
    let mut recipients = Vec::new();
    for (i, slot) in t.slots.iter().enumerate() {
        let v = values.recipients.get(i).unwrap_or(&none);
        let pick = |v: &Option<String>, d: &Option<String>| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .or_else(|| d.clone())
                .unwrap_or_default()
        };
        let org = pick(&v.organization_name, &slot.organization_name);
        let org = if org.trim().is_empty() {
            req.counterparty_name.clone().unwrap_or_default()
        } else {
            org
        };
        let (org, name, email) = check_recipient(
            &mut e,
            i,
            &org,
            &pick(&v.name, &slot.name),
            &pick(&v.email, &slot.email),
        );
        recipients.push((org, name, email));
    }
    let mut errors = field_errors(e.finish())?;
    let checked = match check_contract(conn, &actor.tenant_id, &req) {
        Ok(c) => Some(c),
        Err(WorkflowError::Invalid(mut v)) => {
            v.append(&mut errors);
            errors = v;
            None
        }
        Err(other) => return Err(other),
    };
    let Some(checked) = checked.filter(|_| errors.is_empty()) else {
        return Err(WorkflowError::Invalid(errors));
    };
    let recipients = recipients
        .into_iter()
        .enumerate()
        .map(|(i, (org, name, email))| {
            Recipient::waiting(
                &actor.tenant_id,
                "",
                i32::try_from(i + 1).unwrap_or(i32::MAX),
                org.map(Name::into_inner).unwrap_or_default(),
                name.map(Name::into_inner).unwrap_or_default(),
                email.map(|e| e.as_str().to_owned()).unwrap_or_default(),
                None,
                0,
            )
        })
        .collect();
    let documents = t
        .documents
        .iter()
        .map(|d| Document {
            id: String::new(),
            tenant_id: actor.tenant_id.clone(),
            contract_id: String::new(),
            role: d.role,
            file_name: d.file_name.clone(),
            content_type: d.content_type.clone(),
            size: d.size,
            sha256: d.sha256.clone(),
            page_count: d.page_count,
            created_by: None,
            created_at: 0,
            removed_at: None,
        })
        .collect();
    Ok(Prepared {
        checked,
        parts: DraftParts {
            documents,
            recipients,
            steps: t.steps.clone(),
        },
    })
}

/// Inserts a prepared contract and its audit event, inside the caller's tenant transaction.
pub(crate) fn insert_prepared(
    conn: &mut AnyConnection,
    actor: &Actor,
    t: &Usable,
    prepared: &Prepared,
    details: serde_json::Value,
) -> WorkflowResult<Contract> {
    let c = contracts::insert_with_parts(conn, actor, &prepared.checked, &prepared.parts)?;
    let mut d = json!({
        "contract_number": c.contract_number,
        "title": c.title,
        "template_id": t.row.id,
        "template": t.row.name,
    });
    if let (Some(d), serde_json::Value::Object(extra)) = (d.as_object_mut(), details) {
        d.extend(extra);
    }
    actor.audit(
        conn,
        AuditAction::ContractCreatedFromTemplate,
        Some(("contract", &c.id)),
        d,
    )?;
    Ok(c)
}

/// `POST /templates/{id}/contracts`: a draft from the template, `values` over its defaults
/// (files, slots, route and stamp position from the template).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn create_contract(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    values: &TemplateContractRequest,
) -> WorkflowResult<ContractView> {
    let t = usable(conn, actor, id)?;
    let prepared = prepare(conn, actor, &t, values)?;
    let c = db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        insert_prepared(conn, actor, &t, &prepared, json!({}))
    })?;
    contracts::get(conn, actor, &c.id)
}
