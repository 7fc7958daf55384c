//! `/account`: the logged-in user's own password and TOTP.

use shared::dto::{ChangePasswordRequest, TotpDisableRequest, TotpEnableRequest, TotpSetupView};
use shared::problem::Problem;

use super::{post_empty, post_no_content};

/// `POST /account/password`.
pub async fn change_password(req: &ChangePasswordRequest) -> Result<(), Problem> {
    post_no_content("/account/password", req).await
}

/// `POST /account/totp/setup`: a new, not yet active secret.
pub async fn totp_setup() -> Result<TotpSetupView, Problem> {
    post_empty("/account/totp/setup").await
}

/// `POST /account/totp/enable`.
pub async fn totp_enable(req: &TotpEnableRequest) -> Result<(), Problem> {
    post_no_content("/account/totp/enable", req).await
}

/// `POST /account/totp/disable`.
pub async fn totp_disable(req: &TotpDisableRequest) -> Result<(), Problem> {
    post_no_content("/account/totp/disable", req).await
}
