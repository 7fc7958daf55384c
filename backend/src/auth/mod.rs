//! Credentials: password hashing, TOTP, and random tokens. Pure functions over bytes and
//! numbers; the login flow itself (lockout, sessions, audit) is `workflow::accounts`.

pub mod password;
pub mod tokens;
pub mod totp;
