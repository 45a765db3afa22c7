//! The database engines, with no data model: a connection to SQLite,
//! PostgreSQL or MySQL/MariaDB, its transactions, the lock invitectl's
//! writers take turns by, the driver's errors and which of them are worth
//! a retry. What the tables hold and the statements that read and write
//! them belong to the server's data model (see `store::prosody`).

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(not(feature = "mysql"))]
pub mod mysql {
    //! Where a MySQL store is, in a build without MySQL support.
    mod target;
    pub use target::{Endpoint, MySslMode, MyTarget};
}
#[cfg(feature = "postgres")]
pub mod pg;
#[cfg(not(feature = "postgres"))]
pub mod pg {
    //! Where a PostgreSQL store is, in a build without PostgreSQL support.
    mod target;
    pub use target::{PgTarget, SslMode};
}
pub mod holders;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod servers;
pub mod sqlite;

#[cfg(feature = "mysql")]
pub use servers::fnv1a;
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub use servers::{lock_key, Server};
