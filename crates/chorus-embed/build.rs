// Lets the binaries that link libtorch (this crate's tests and examples; the `chorus` binary,
// whose build script includes this file) find the CPU libtorch that `.ci/setup` unpacked,
// without `LD_LIBRARY_PATH`: torch-sys links against `$LIBTORCH/lib`, and we add the real
// library folder as an rpath.
fn main() {
    println!("cargo:rerun-if-env-changed=TORCH_LIB_RPATH");
    if let Ok(dir) = std::env::var("TORCH_LIB_RPATH") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
