// The `chorus` binary links libtorch through chorus-embed: the same rpath as its tests.
include!("crates/chorus-embed/build.rs");
