//! Everything the command prints on standard output goes through here (`println!`
//! and `print!` are redefined to come here): on a terminal, control characters from
//! the dossier (an escape sequence in a title or a file name) are shown escaped rather
//! than acted on; and a reader that goes away (`dossier articles | head -1`) ends the
//! command quietly instead of a panic.

use std::io::{IsTerminal, Write};
use std::sync::LazyLock;

static TERMINAL: LazyLock<bool> = LazyLock::new(|| std::io::stdout().is_terminal());

/// Writes formatted output, and a line break when `newline`.
pub fn write(args: std::fmt::Arguments<'_>, newline: bool) {
    let text = args.to_string();
    let shown = if *TERMINAL { dossier_app::text::escape_for_terminal(&text) } else { text.as_str().into() };
    let mut out = std::io::stdout().lock();
    let written = out.write_all(shown.as_bytes()).and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) });
    if let Err(error) = written {
        exit_on_write_error(&error);
    }
}

/// A closed pipe is the reader saying it has seen enough: exit 0, silently. Any other
/// write error (a full disk) is reported.
pub fn exit_on_write_error(error: &std::io::Error) -> ! {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("dossier: error: cannot write the output: {error}");
    std::process::exit(1);
}

/// Whether an error came from writing to a reader that went away.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    let broken = std::io::ErrorKind::BrokenPipe;
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == broken)
            || cause.downcast_ref::<serde_json::Error>().is_some_and(|e| e.io_error_kind() == Some(broken))
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == broken))
    })
}
