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
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, Handler, Responder, guard, http::Method, web};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{OpenApi, RefOr};

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
}

impl Access {
    /// The stricter of two: a handler's credential is that of its one authenticating argument.
    const fn and(self, other: Access) -> Access {
        match (self, other) {
            (Access::Public, a) | (a, Access::Public) => a,
            (Access::Session, _) | (_, Access::Session) => Access::Session,
            _ => Access::SessionOrToken,
        }
    }

    fn security(self) -> Option<Vec<SecurityRequirement>> {
        let session = || SecurityRequirement::new("session", Vec::<String>::new());
        let token = || SecurityRequirement::new("api_token", Vec::<String>::new());
        match self {
            Access::Public => None,
            Access::Session => Some(vec![session()]),
            Access::SessionOrToken => Some(vec![session(), token()]),
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
    const ACCESS: Access = Access::Session;
}
impl Credential for actix_web::HttpRequest {}
impl Credential for web::Payload {}
impl Credential for web::Bytes {}
impl<T> Credential for web::Data<T> {}
impl<T> Credential for web::Json<T> {}
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
    /// `doc` is the handler's own document: one path with one operation.
    pub fn new<F, Args>(doc: OpenApi, handler: F) -> Endpoint
    where
        F: Handler<Args>,
        Args: FromRequest + Credentials + 'static,
        F::Output: Responder + 'static,
    {
        let mut paths = doc.paths.paths.into_iter();
        let (Some((path, item)), None) = (paths.next(), paths.next()) else {
            panic!("a handler documents exactly one path");
        };
        let (method, operation) = only_operation(item, &path);
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
        operation.security = self.access.security();
        let idempotent = self.method == Method::POST && self.access != Access::Public;
        let limited = self.access != Access::Session && self.path != format!("{PREFIX}/health");
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
