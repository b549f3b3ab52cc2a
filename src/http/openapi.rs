//! The parts of the OpenAPI document not generated from the handlers.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Questlog (HacknPlan API v0)",
        description = "A self-hosted server for the HacknPlan public API v0. Authenticate with \
                       the header `Authorization: ApiKey <key>`."
    ),
    modifiers(&ApiKeyScheme),
    security(("ApiKey" = []))
)]
struct ApiDoc;

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ApiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The literal `ApiKey`, a space, and the 32-hex-character key (type both into \
                 \"Authorize\" on /docs, e.g. `ApiKey 0123…`).",
            ))),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as `/openapi.json` serves it: compact JSON, the bytes `axum::Json` would write.
pub fn render(doc: utoipa::openapi::OpenApi) -> Bytes {
    Bytes::from(serde_json::to_vec(&doc).expect("the OpenAPI document serialises"))
}

pub async fn serve(json: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json).into_response()
}

/// Documents the replies that come from middleware and extractors rather than from handler
/// code, on every operation they can happen to: 401 (no or bad key), 404 (a path id that is not
/// a number or unknown), 400 (a query value of the wrong type), 413 (body over the limit),
/// 429 (rate limit), 503 (request timeout). Runs after all routes are merged.
pub fn add_common_responses(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, header::Header};

    let error = |description: &str| {
        ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
    };
    for (path, item) in openapi.paths.paths.iter_mut() {
        let api = path.starts_with("/v0/");
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_path_id = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
            let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let has_body = op.request_body.is_some();
            let r = &mut op.responses.responses;
            let mut add = |status: &str, resp: ResponseBuilder| {
                r.entry(status.to_string())
                    .or_insert_with(|| resp.build().into());
            };
            if has_query || has_body {
                add("400", error("The request is invalid"));
            }
            if api {
                add(
                    "401",
                    error("No valid `Authorization: ApiKey <key>` header"),
                );
            }
            if has_path_id {
                add(
                    "404",
                    ResponseBuilder::new().description("Not found (empty body)"),
                );
            }
            if has_body {
                add("413", error("The request body is larger than the limit"));
            }
            add(
                "503",
                error("The request took longer than the request timeout"),
            );
            add(
                "429",
                error("Over the rate limit (when one is set)").header(
                    "Retry-After",
                    Header::new(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::Integer),
                    ),
                ),
            );
        }
    }
}
