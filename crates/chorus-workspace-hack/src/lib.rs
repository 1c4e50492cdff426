//! No code: see `Cargo.toml`. Every crate of the workspace depends on this one so that shared
//! transitive dependencies are built with one feature set.
