//! One registration per handler: [`endpoints!`](crate::api) lists each handler once, and from
//! that entry come its actix route (path and method of its `#[utoipa::path]`), its OpenAPI
//! operation, and the credentials the operation documents, which are read off the handler's
//! argument types ([`Credential`]), so the document cannot claim what the extractors do not do.
//!
//! Why not `utoipa-actix-web`: it collects paths from actix's route macros, whose generated
//! service types hide the handler's arguments, so the credentials would stay a hand-written
//! list; and every path would still be written twice (`#[get]` and `#[utoipa::path]`).

use actix_web::body::BoxBody;
use actix_web::dev::ServiceRequest;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, Handler, Responder, guard, web};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};

use crate::api::extract::{Authenticated, OptionalSession, SessionActor, SessionUser};
use crate::api::limits_doc;
use crate::api::rate_limit::{self, Policy};

/// Where the API is mounted; `#[utoipa::path]` paths start with it, routes are relative to it.
pub const PREFIX: &str = "/api/v1";

/// The credentials an operation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// None needed (the signing pages have their own link + code flow).
    Public,
    /// The session cookie only.
    Session,
    /// The session cookie or an API token.
    SessionOrToken,
    /// The session cookie if there is one (the session probe answers without one too).
    OptionalSession,
}

impl Access {
    /// The stricter of two: a handler's credential is that of its one authenticating argument.
    const fn and(self, other: Access) -> Access {
        match (self, other) {
            (Access::Public, a) | (a, Access::Public) => a,
            (Access::Session, _) | (_, Access::Session) => Access::Session,
            (Access::SessionOrToken, _) | (_, Access::SessionOrToken) => Access::SessionOrToken,
            _ => Access::OptionalSession,
        }
    }

    /// The requirements of an operation: a state-changing one at a session needs the
    /// session's `X-CSRF-Token` header too (the `csrf` scheme, in the same requirement).
    fn security(self, method: &Method) -> Option<Vec<SecurityRequirement>> {
        let changes_state = !matches!(*method, Method::GET | Method::HEAD);
        let session = || {
            let s = SecurityRequirement::new("session", Vec::<String>::new());
            if changes_state {
                s.add("csrf", Vec::<String>::new())
            } else {
                s
            }
        };
        let token = || SecurityRequirement::new("api_token", Vec::<String>::new());
        match self {
            Access::Public => None,
            Access::Session => Some(vec![session()]),
            // The token first: what an integrator uses (and a client, or a fuzzer, picks first).
            Access::SessionOrToken => Some(vec![token(), session()]),
            // `{}`: no credential is an alternative too.
            Access::OptionalSession => Some(vec![session(), SecurityRequirement::default()]),
        }
    }
}

/// What an extractor demands of the caller. Every extractor a handler takes implements it; a
/// new extractor without it does not compile as a handler argument here.
pub trait Credential {
    /// The credential the extractor checks.
    const ACCESS: Access = Access::Public;
}

impl Credential for Authenticated {
    const ACCESS: Access = Access::SessionOrToken;
}
impl Credential for SessionActor {
    const ACCESS: Access = Access::Session;
}
impl Credential for SessionUser {
    const ACCESS: Access = Access::Session;
}
impl Credential for OptionalSession {
    const ACCESS: Access = Access::OptionalSession;
}
impl Credential for actix_web::HttpRequest {}
impl Credential for web::Payload {}
impl Credential for web::Bytes {}
impl<T> Credential for web::Data<T> {}
impl<T> Credential for web::Json<T> {}
impl<T> Credential for crate::api::optional_json::OptionalJson<T> {}
impl<T> Credential for web::Path<T> {}
impl<T> Credential for web::Query<T> {}
impl<T: Credential> Credential for Option<T> {
    const ACCESS: Access = T::ACCESS;
}

/// [`Credential`] of a handler's whole argument tuple.
pub trait Credentials {
    /// The credential of the handler.
    const ACCESS: Access;
}

macro_rules! tuple_credentials {
    ($($t:ident),*) => {
        impl<$($t: Credential),*> Credentials for ($($t,)*) {
            const ACCESS: Access = Access::Public $(.and($t::ACCESS))*;
        }
    };
}
tuple_credentials!();
tuple_credentials!(A);
tuple_credentials!(A, B);
tuple_credentials!(A, B, C);
tuple_credentials!(A, B, C, D);
tuple_credentials!(A, B, C, D, E);
tuple_credentials!(A, B, C, D, E, F);
tuple_credentials!(A, B, C, D, E, F, G);
tuple_credentials!(A, B, C, D, E, F, G, H);

/// A handler with its route and documentation.
pub struct Endpoint {
    path: String,
    method: Method,
    operation: Operation,
    schemas: Vec<(String, RefOr<Schema>)>,
    access: Access,
    register: Box<dyn FnOnce(&mut web::ServiceConfig)>,
}

impl Endpoint {
    /// `doc` is the handler's own document: one path with one operation. `operation_id` is
    /// unique (`module_handler`): generated clients name their functions after it.
    pub fn new<F, Args>(doc: OpenApi, operation_id: &str, handler: F) -> Endpoint
    where
        F: Handler<Args>,
        Args: FromRequest + Credentials + 'static,
        F::Output: Responder + 'static,
    {
        let mut paths = doc.paths.paths.into_iter();
        let (Some((path, item)), None) = (paths.next(), paths.next()) else {
            panic!("a handler documents exactly one path");
        };
        let (method, mut operation) = only_operation(item, &path);
        operation.operation_id = Some(operation_id.to_owned());
        let route = path
            .strip_prefix(PREFIX)
            .unwrap_or_else(|| panic!("{path} is not under {PREFIX}"))
            .to_owned();
        let guard = guard::Method(method.clone());
        let policy = Policy {
            access: Args::ACCESS,
            idempotent: method == Method::POST && Args::ACCESS != Access::Public,
        };
        Endpoint {
            path,
            method,
            operation,
            schemas: doc
                .components
                .map(|c| c.schemas.into_iter().collect())
                .unwrap_or_default(),
            access: Args::ACCESS,
            register: Box::new(move |cfg| {
                cfg.service(web::resource(route).guard(guard).to(handler).wrap(from_fn(
                    move |req: ServiceRequest, next: Next<BoxBody>| {
                        rate_limit::enforce(policy, req, next)
                    },
                )));
            }),
        }
    }

    /// Adds the route (relative to [`PREFIX`]).
    pub fn register(self, cfg: &mut web::ServiceConfig) {
        (self.register)(cfg);
    }

    /// Adds the operation, with the credentials it accepts, and the schemas it refers to.
    pub fn document(self, doc: &mut OpenApi) {
        let mut operation = self.operation;
        operation.security = self.access.security(&self.method);
        add_problem_responses(&mut operation);
        let idempotent = self.method == Method::POST && self.access != Access::Public;
        let limited = self.access != Access::Session
            && self.path != format!("{PREFIX}/health")
            && !self.path.starts_with(&format!("{PREFIX}/health/"));
        limits_doc::document(&mut operation, idempotent, limited);
        let item = doc.paths.paths.entry(self.path.clone()).or_default();
        let slot = operation_slot(item, &self.method);
        assert!(
            slot.is_none(),
            "two handlers for {} {}",
            self.method,
            self.path
        );
        *slot = Some(operation);
        let components = doc.components.get_or_insert_with(Default::default);
        components.schemas.extend(self.schemas);
    }
}

/// Every operation may answer a client error (a malformed request, a missing credential, a
/// budget exceeded …) and a server error (`internal_error` with its request id,
/// `service_unavailable` while the database is away), each as a problem document; an
/// operation that names none of a class gets the class's range.
fn add_problem_responses(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    for (class, range, description) in [
        (
            '4',
            "4XX",
            "A client error: the problem's `code` says which.",
        ),
        (
            '5',
            "5XX",
            "internal_error (with a request_id to report) or service_unavailable.",
        ),
    ] {
        if responses.keys().any(|k| k.starts_with(class)) {
            continue;
        }
        let content = Content::new(Some(Ref::from_schema_name("Problem")));
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/problem+json", content)
            .build();
        responses.insert(range.to_owned(), RefOr::T(response));
    }
    // OpenAPI requires a description on every response; a handler's doc may leave it out.
    for (code, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = describe_status(code);
        }
    }
}

/// The reason phrase of `code` (`"200"` → `OK`), or the class of a range (`"4XX"`).
fn describe_status(code: &str) -> String {
    match code
        .parse::<u16>()
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok())
    {
        Some(status) => status.canonical_reason().unwrap_or("").to_owned(),
        None if code.starts_with('4') => "A client error: the problem's `code` says which.".into(),
        None => "A server error.".into(),
    }
}

fn only_operation(mut item: PathItem, path: &str) -> (Method, Operation) {
    let mut found = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ]
    .into_iter()
    .filter_map(|m| operation_slot(&mut item, &m).take().map(|op| (m, op)));
    match (found.next(), found.next()) {
        (Some(one), None) => one,
        _ => panic!("{path}: a handler documents exactly one method"),
    }
}

fn operation_slot<'a>(item: &'a mut PathItem, method: &Method) -> &'a mut Option<Operation> {
    if method == Method::GET {
        &mut item.get
    } else if method == Method::POST {
        &mut item.post
    } else if method == Method::PUT {
        &mut item.put
    } else if method == Method::DELETE {
        &mut item.delete
    } else if method == Method::PATCH {
        &mut item.patch
    } else {
        panic!("no handler answers {method}")
    }
}
