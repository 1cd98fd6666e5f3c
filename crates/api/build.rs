//! Compiles every protocol definition listed in [`PROTOS`] into Rust types plus tonic client
//! and server stubs, and writes a file descriptor set for gRPC reflection.
//!
//! protoc comes from `protoc-bin-vendored`, so building never depends on a system protoc.

use std::path::PathBuf;

/// Protocol files relative to the workspace `proto/` directory. Adding a file here is all it
/// takes: each proto package becomes a module of the crate root (a package `a.b` becomes
/// `a::b`) through the generated [`INCLUDE_FILE`].
const PROTOS: &[&str] = &["gateway.proto", "cluster.proto"];

/// File name (inside `OUT_DIR`) of the generated module tree that `src/lib.rs` includes.
const INCLUDE_FILE: &str = "hornet_api_modules.rs";

/// File name (inside `OUT_DIR`) of the encoded `FileDescriptorSet` covering all of [`PROTOS`].
const DESCRIPTOR_SET: &str = "hornet_descriptor_set.bin";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest_dir.join("../../proto");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);

    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // prost-build reads PROTOC; a build script runs single-threaded, so setting it is sound.
    std::env::set_var("PROTOC", protoc);

    let files: Vec<PathBuf> = PROTOS.iter().map(|p| proto_dir.join(p)).collect();
    for file in &files {
        if !file.is_file() {
            return Err(format!("protocol file {} does not exist", file.display()).into());
        }
    }
    // Also watch the directory so that a newly added file is noticed even before it is listed.
    println!("cargo:rerun-if-changed={}", proto_dir.display());

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .file_descriptor_set_path(out_dir.join(DESCRIPTOR_SET))
        .include_file(INCLUDE_FILE)
        .compile_protos(&files, &[proto_dir.as_path().to_path_buf()])?;

    Ok(())
}
