//! The parts of the OpenAPI document not generated from the handlers.

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
                "The literal `ApiKey`, a space, and the 32-hex-character key.",
            ))),
        );
    }
}

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
