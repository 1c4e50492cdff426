//! stdout for data: every line the commands print goes through [`write`], so a reader that
//! closes the pipe early (`chorus search x | head -1`) ends the run quietly with exit code 0,
//! as `cat` and `grep` do, instead of a panic.

use std::io::Write as _;

/// Writes to stdout and flushes; a closed stdout ends the process with exit code 0.
pub fn write(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // any other failure of stdout (a full disk): the exit code says so
        eprintln!("error: could not write to stdout: {e}");
        std::process::exit(2);
    }
}

/// `print!` through [`write`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::stdout::write(format_args!($($arg)*)) };
}

/// `println!` through [`write`].
macro_rules! outln {
    () => { $crate::stdout::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::stdout::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Pretty JSON of `value` as one block on stdout.
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    write(format_args!("{}\n", serde_json::to_string_pretty(value)?));
    Ok(())
}

pub(crate) use {out, outln};
