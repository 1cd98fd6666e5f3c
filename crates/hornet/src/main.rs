//! `hornet`: the command-line entry point. `hornet broker` runs a node (with the embedded gateway by
//! default), `hornet gateway` a standalone gateway; the other commands talk to a running gateway.

mod broker_command;
mod cli;
mod cluster_gateway;
mod gateway_command;
mod logging;
mod status_command;

use clap::Parser;

/// The broker allocates and frees many small objects from every thread (records, write sets, gRPC
/// messages); glibc's allocator spent 17% of the broker's CPU on that (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    logging::init(&cli.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            cli::Command::Broker(args) => broker_command::run(args).await,
            cli::Command::Gateway(args) => gateway_command::run(args).await,
            cli::Command::Status(args) => status_command::run(args).await,
            cli::Command::Bench(args) => hornet_loadgen::run(args)
                .await
                .map(|_| ())
                .map_err(Into::into),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
