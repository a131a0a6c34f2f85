//! `dossier-hostile`: campaigns against hostile input, outside the user binary.
//!
//!     dossier-hostile inputs [--count 100000] [--seed 1] [--max-units 4096]   generated inputs through every target
//!     dossier-hostile bench [--mb 1,4] [--max-s-per-mb 1]                      adversarial shapes: s/MB and peak memory
//!     dossier-hostile kill [--articles 20000] [--points 20]                   kill -9 during an ingest, then one command
//!     dossier-hostile slow-clients [--clients 500] [--seconds 10]             the server while slow clients hold connections

mod campaigns;
mod shapes;

use std::process::ExitCode;

/// Command-line options as `--name value` pairs after the subcommand.
pub struct Args(Vec<String>);

impl Args {
    pub fn value<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        let flag = format!("--{name}");
        self.0.windows(2).find(|w| w[0] == flag).and_then(|w| w[1].parse().ok()).unwrap_or(default)
    }

    pub fn text(&self, name: &str) -> Option<String> {
        let flag = format!("--{name}");
        self.0.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone())
    }

    pub fn positional(&self, index: usize) -> Option<&str> {
        self.0.get(index).map(String::as_str)
    }
}

fn main() -> ExitCode {
    let mut all: Vec<String> = std::env::args().skip(1).collect();
    if all.is_empty() {
        eprintln!("usage: dossier-hostile inputs|bench|kill|slow-clients [options] (see the source's first lines)");
        return ExitCode::from(2);
    }
    let command = all.remove(0);
    let args = Args(all);
    let outcome = match command.as_str() {
        "inputs" => campaigns::inputs(&args),
        "bench" => shapes::bench(&args),
        "shape" => shapes::run_one(&args),
        "kill" => campaigns::kill(&args),
        "slow-clients" => campaigns::slow_clients(&args),
        other => Err(anyhow::anyhow!("unknown command {other:?}")),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("dossier-hostile: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Peak resident memory of this process so far, in KiB (Linux).
pub fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The `dossier` binary beside this one (both are built into the same target folder).
pub fn dossier_binary(args: &Args) -> std::path::PathBuf {
    args.text("dossier").map(std::path::PathBuf::from).unwrap_or_else(|| {
        let here = std::env::current_exe().expect("the running binary's path");
        here.with_file_name("dossier")
    })
}
