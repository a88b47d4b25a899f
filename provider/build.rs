//! Compiles the protocol definitions in `../proto` into Rust at build time.
//!
//! protox parses the `.proto` files in pure Rust (it ships the well-known types such as
//! `google/protobuf/empty.proto`), so building needs no system `protoc`.

use std::error::Error;

/// The files to compile, relative to the proto directory.
const PROTOS: [&str; 3] = [
    "tfplugin6.proto",
    "grpc_controller.proto",
    "grpc_stdio.proto",
];
const PROTO_DIR: &str = "../proto";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed={PROTO_DIR}");
    for file in PROTOS {
        println!("cargo:rerun-if-changed={PROTO_DIR}/{file}");
    }

    let files: Vec<String> = PROTOS.iter().map(|f| format!("{PROTO_DIR}/{f}")).collect();
    // protox errors carry file, line and a readable message; show them as they are.
    let fds = protox::compile(&files, [PROTO_DIR]).map_err(|e| format!("{e:?}"))?;

    tonic_prost_build::configure()
        .build_server(true)
        // The client is used by the integration tests and in-process tests.
        .build_client(true)
        // Unimplemented RPCs answer `Unimplemented` instead of failing to compile, so
        // adding an RPC to the protocol never breaks the build.
        .generate_default_stubs(true)
        .compile_fds(fds)?;
    Ok(())
}
