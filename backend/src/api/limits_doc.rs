//! What the OpenAPI document says about idempotency keys and rate limits, added to each
//! operation by `endpoint` from the same facts the layer in front of it acts on
//! (`rate_limit::Policy`): the `Idempotency-Key` parameter with its 409/422 answers on the
//! POSTs that need a login, and the 429 answer with `Retry-After` and `RateLimit-*` where
//! requests are counted.

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, Ref, RefOr, Required, Response, ResponseBuilder,
};

use crate::api::idempotency::{HEADER, MAX_KEY_LEN, REPLAYED};

fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    )
}

fn integer_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        ))
        .description(Some(description))
        .build()
}

fn key_parameter() -> Parameter {
    ParameterBuilder::new()
        .name(HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "再送しても二重に処理されないための一意なキー / a unique key (1–255 printable \
             ASCII characters, e.g. a UUID) that makes a retry safe: the same key with the same \
             request within 24 hours returns the first answer again (with `Idempotent-Replayed: \
             true`) instead of acting twice; with another body it is 422 \
             `idempotency_key_reused`; while the first is in flight, 409 \
             `idempotency_key_in_progress`. Scoped per tenant, user or API token, method and \
             path. A 5xx answer is not kept.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_KEY_LEN))
                .pattern(Some("^[\\x20-\\x7E]+$")),
        ))
        .build()
}

/// Adds the idempotency and rate-limit parts to `op`. Answers the operation documents itself
/// (a 409 or 422 of its own) are kept; their codes are listed in the description instead.
pub fn document(op: &mut Operation, idempotent: bool, limited: bool) {
    let responses = &mut op.responses.responses;
    let mut add = |status: &str, response: Response| {
        responses
            .entry(status.to_owned())
            .or_insert(RefOr::T(response));
    };
    if idempotent {
        op.parameters
            .get_or_insert_with(Vec::new)
            .push(RefOr::T(key_parameter()));
        add(
            "409",
            problem(
                "`idempotency_key_in_progress`: the first request with this Idempotency-Key is \
                 still in flight (retry after `Retry-After`); \
                 `idempotency_response_not_stored`: it was processed but its answer was too \
                 large to keep.",
            )
            .build(),
        );
        add(
            "422",
            problem("`idempotency_key_reused`: the Idempotency-Key was used with another request.")
                .build(),
        );
        if let Some(RefOr::T(ok)) = op
            .responses
            .responses
            .iter_mut()
            .find(|(s, _)| s.starts_with('2'))
            .map(|(_, r)| r)
        {
            ok.headers.insert(
                REPLAYED.to_owned(),
                RefOr::T(HeaderBuilder::new()
                    .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .enum_values(Some(["true"])),
                        ))
                    .description(Some("This is the kept answer to an earlier request with the same Idempotency-Key."))
                    .build()),
            );
        }
    }
    if limited {
        let refusal = problem(
            "`rate_limited`: too many requests from this API token (its tenant's limit per \
             minute) or, without login, from this client address.",
        )
        .header(
            "Retry-After",
            integer_header("Seconds until a request is allowed again."),
        )
        .header(
            "RateLimit-Limit",
            integer_header("Requests allowed per minute."),
        )
        .header("RateLimit-Remaining", integer_header("Requests left now."))
        .header(
            "RateLimit-Reset",
            integer_header("Seconds until the full quota is back."),
        )
        .build();
        op.responses
            .responses
            .insert("429".to_owned(), RefOr::T(refusal));
    }
}
