//! Ids as the query functions take them, so that two ids side by side cannot be swapped: a
//! contract's id does not compile where a tenant's is expected. Borrowed, since the ids live in
//! rows and in the [`Actor`](crate::workflow::actor::Actor).

macro_rules! borrowed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<'a>(pub &'a str);

        impl<'a> $name<'a> {
            /// The id as stored.
            pub fn as_str(self) -> &'a str {
                self.0
            }
        }
    };
}

borrowed_id!(
    /// A tenant's (団体) id.
    TenantId
);
borrowed_id!(
    /// A contract's id.
    ContractId
);
borrowed_id!(
    /// A staff user's id.
    UserId
);
