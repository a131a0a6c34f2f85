//! `dossier-bench`: Dossier's benchmarks, outside the user binary.
//!
//!     cargo run --release -p dossier-bench -- --articles 10000                       ingest throughput
//!     cargo run --release -p dossier-bench -- --stage scale --articles 100000        duplicates and stories at size
//!     cargo run --release -p dossier-bench -- --stage analysis --articles 10000      entities, quotes, events
//!     cargo run --release -p dossier-bench -- --stage search --articles 100000       the search index
//!     cargo run --release -p dossier-bench -- --stage serve --seconds 10 --clients 4 the server under load
//!     cargo run --release -p dossier-bench -- --stage reads --db STORE               read latencies at the store's size
//!     cargo run --release -p dossier-bench -- --stage containers --articles 10000    a WARC.gz and a feed at size
//!     cargo run --release -p dossier-bench -- --stage train-speakers                 the speaker ranker's weights

mod bench;
mod bench_web;
mod containers;
mod reads;
mod scale;
mod speakers;
mod stream;

use clap::Parser;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "dossier-bench", about = "Measure Dossier on generated corpora.")]
struct Cli {
    #[command(flatten)]
    args: bench::BenchArgs,
}

fn main() -> ExitCode {
    match bench::run(&Cli::parse().args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("dossier-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
