//! The `chorus` binary: parses the command line, runs the command (`commands/`, one file each),
//! prints the error and its hint if it failed, and returns the exit code (0 ok, 1 finished with
//! data problems, 2 usage or fatal error).

mod cli;
mod commands;
mod config;
mod error;
mod output;
mod stdout;
mod workbench;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use chorus_core::error::Diagnostic;
use cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match commands::dispatch(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if let Some(hint) = error::diagnostic(&e).and_then(Diagnostic::hint) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(2)
        }
    }
}

fn init_logging(cli: &Cli) {
    let level = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 => "warn",
            1 => "debug",
            _ => "trace",
        }
    };
    // `chorus` matches the targets of every crate (`chorus_themes::spectral`, ...)
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("chorus={level}")));
    let ansi = std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
}
