//! Runs the load generator on its own, without the `hornet` binary:
//!
//! ```sh
//! cargo run --release -p hornet-loadgen --example bench -- --duration 30s --rate 500
//! ```
//!
//! It takes the same flags as `hornet bench` and works against any Zeebe-compatible gateway.

use clap::Parser;

#[derive(Parser)]
#[command(name = "bench", about = "Load generator for Zeebe-compatible gateways")]
struct Cli {
    #[command(flatten)]
    bench: hornet_loadgen::BenchArgs,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match hornet_loadgen::run(cli.bench).await {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Causes add what to fix (e.g. "Connection refused" under a transport error);
            // those whose text the message already shows are skipped.
            let mut message = error.to_string();
            let mut cause = std::error::Error::source(&error);
            while let Some(inner) = cause {
                let text = inner.to_string();
                if !message.contains(&text) {
                    message = format!("{message}: {text}");
                }
                cause = inner.source();
            }
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
