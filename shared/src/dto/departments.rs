//! Departments (所属).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A department (所属); departments form a tree through `parent_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentView {
    /// Department ID.
    pub id: Uuid,
    /// The parent (部 of a 課); `null` at the top.
    pub parent_id: Option<Uuid>,
    /// 所属名.
    pub name: String,
    /// 所属コード, optional, as used by the city's financial system.
    pub code: Option<String>,
    /// Inactive departments are kept for history but not offered for new users.
    pub active: bool,
}

/// `POST /api/v1/departments` and `PUT /api/v1/departments/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DepartmentRequest {
    /// 所属名.
    pub name: String,
    /// The parent department.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// 所属コード.
    #[serde(default)]
    pub code: Option<String>,
    /// Defaults to active.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}
