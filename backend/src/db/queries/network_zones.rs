//! `network_zones`: a tenant's zones (none until an administrator sets them).

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::NetworkZoneRow;
use crate::db::schema::network_zones::dsl as z;

/// The tenant's zones (empty: never set).
pub fn list(conn: &mut AnyConnection, tenant_id: &str) -> QueryResult<Vec<NetworkZoneRow>> {
    z::network_zones
        .filter(z::tenant_id.eq(tenant_id))
        .select(NetworkZoneRow::as_select())
        .load(conn)
}

/// Replaces the tenant's zones with `rows` (empty: removes them).
pub fn replace(
    conn: &mut AnyConnection,
    tenant_id: &str,
    rows: &[NetworkZoneRow],
) -> QueryResult<()> {
    diesel::delete(z::network_zones.filter(z::tenant_id.eq(tenant_id))).execute(conn)?;
    for row in rows {
        diesel::insert_into(z::network_zones)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}
