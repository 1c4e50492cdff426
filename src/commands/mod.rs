//! One file per command: each resolves its settings from the project (`config.rs`), runs its
//! stage, prints the result (`output.rs` for people, `--json` for programs) and returns the
//! exit code (0 ok, 1 finished with data problems, 2 usage or fatal error).

mod completions;
mod embed;
mod eval;
mod index;
mod ingest;
mod init;
mod report;
mod run;
mod search;
mod serve;
mod status;
mod themes;

use std::process::ExitCode;

use chorus_core::model::{LockError, WorkspaceLock};

use crate::cli::{Cli, Command};
use crate::config::Project;

/// What every command gets: the global flags and the resolved project.
pub struct Ctx<'a> {
    pub cli: &'a Cli,
    pub project: &'a Project,
}

impl Ctx<'_> {
    /// Progress and logs are wanted (not `-q`).
    pub fn progress(&self) -> bool {
        !self.cli.quiet
    }

    /// The workspace's write lock, for the commands that write it.
    pub fn lock(&self) -> Result<WorkspaceLock, LockError> {
        self.project.workspace.lock()
    }
}

/// Runs the command the command line names.
pub fn dispatch(cli: &Cli) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let project = Project::discover(&cwd, cli.workspace.clone())?;
    let ctx = Ctx {
        cli,
        project: &project,
    };
    match &cli.command {
        Command::Ingest(args) => ingest::run(&ctx, args),
        Command::Embed(args) => embed::run(&ctx, args),
        Command::Themes(args) => themes::run(&ctx, args),
        Command::Index(args) => index::run(&ctx, args),
        Command::Search(args) => search::run(&ctx, args),
        Command::Eval(args) => eval::run(&ctx, args),
        Command::Report(args) => report::run(&ctx, args),
        Command::Serve(args) => serve::run(&ctx, args),
        Command::Init(args) => init::run(&ctx, args),
        Command::Status => status::run(&ctx),
        Command::Run => run::run(&ctx),
        Command::Completions(args) => completions::run(args),
    }
}
