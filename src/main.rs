//! The `chorus` binary: parses the command line, calls the library, renders the result or the
//! error, and returns the exit code (0 ok, 1 finished with data problems, 2 usage or fatal error).

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use chorus::config::Project;
use chorus::{embed, index, ingest, insights, output, report, themes};
use cli::{Cli, Command};

/// `chorus run`: each stale stage in order, as its own command (same output, same exit codes).
fn run_stale(cli: &Cli, project: &Project) -> anyhow::Result<ExitCode> {
    use chorus::workbench::{self, State};
    if project.config_file.is_none() {
        anyhow::bail!(
            "no chorus.toml in `{}` or its parents: `chorus run` runs the stages over the inputs it names\nhint: `chorus init` writes one; or run the stages yourself (`chorus ingest PATH...`)",
            project.root.display()
        );
    }
    let exe = std::env::current_exe()?;
    let mut summary = Vec::new();
    let mut code = 0;
    for stage in workbench::STAGES {
        // recomputed after each stage: what it wrote is what the next one reads
        let st = workbench::status(project)
            .into_iter()
            .find(|s| s.stage == stage)
            .expect("every stage has a status");
        let action = match st.state {
            State::NotConfigured => "nothing to ingest: chorus.toml names no inputs",
            State::Fresh => "up to date",
            State::Stale | State::NeverRun => "ran",
        };
        if action != "ran" {
            if !cli.quiet && !cli.json {
                eprintln!("== {stage}: {action}");
            }
            summary.push(serde_json::json!({ "stage": stage, "action": action }));
            continue;
        }
        if !cli.quiet && !cli.json {
            eprintln!("== {stage}");
        }
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("--workspace").arg(project.workspace.root());
        if cli.quiet || cli.json {
            cmd.arg("-q");
        }
        for _ in 0..cli.verbose {
            cmd.arg("-v");
        }
        cmd.arg(stage);
        if stage == "report" {
            cmd.arg("--out").arg(workbench::report_dir(project));
        }
        if cli.quiet || cli.json {
            cmd.stdout(std::process::Stdio::null());
        }
        let status = cmd.status()?;
        let exit = status.code().unwrap_or(2);
        summary.push(serde_json::json!({ "stage": stage, "action": action, "exit": exit }));
        if exit >= 2 {
            code = 2;
            if !cli.json {
                eprintln!("error: `chorus {stage}` failed; the later stages were not run");
            }
            break;
        }
        code = code.max(exit);
        workbench::mark_ran(project, stage, &st.fingerprint)?;
    }
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(ExitCode::from(code as u8))
}

/// How many data problems are printed before "... and N more".
const SHOWN_PROBLEMS: usize = 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let project = Project::discover(&cwd, cli.workspace.clone())?;
    match &cli.command {
        Command::Ingest(args) => {
            let conf = &project.config.ingest;
            let paths = if args.paths.is_empty() {
                conf.inputs.iter().map(|p| project.root.join(p)).collect()
            } else {
                args.paths.clone()
            };
            if paths.is_empty() {
                anyhow::bail!("no input given: expected `chorus ingest PATH...` or `[ingest] inputs` in chorus.toml");
            }
            let cfg = ingest::IngestConfig {
                paths,
                redact: !args.no_redact && conf.redact.unwrap_or(true),
                max_unit_chars: args
                    .max_unit_chars
                    .or(conf.max_unit_chars)
                    .unwrap_or(400)
                    .max(40),
                columns: conf.columns.clone(),
                defaults: conf
                    .sources
                    .iter()
                    .map(|d| d.resolve(&project.root))
                    .collect(),
                progress: !cli.quiet,
                ..Default::default()
            };
            let report = ingest::run(&cfg, &project.workspace)?;
            print_problems(cli, &report.problems);
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&output::ingest_json(&report))?
                );
            } else {
                print!("{}", output::ingest_table(&report));
                println!(
                    "\ncorpus:  {}",
                    project.workspace.root().join("corpus").display()
                );
                if report.rejected() > 0 {
                    println!(
                        "rejects: {} ({} rows kept aside)",
                        project
                            .workspace
                            .table_dir(chorus::model::Table::Rejects)
                            .display(),
                        report.rejected()
                    );
                }
            }
            let usable = report.events.iter().any(|e| e.units > 0 || e.answers > 0);
            Ok(if !usable || (args.strict && report.rejected() > 0) {
                if !usable {
                    eprintln!("error: nothing usable was read (no units, no answers)");
                }
                ExitCode::from(2)
            } else if report.rejected() > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Index(args) => {
            let cfg = index::IndexConfig {
                progress: !cli.quiet,
                commit_every: args.commit_every.max(1),
                ..Default::default()
            };
            let report = index::run(&project.workspace, &cfg)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "indexed {} units of {} events in {:.2} s ({} unchanged, {} removed); {} documents in {}",
                    report.units_indexed,
                    report.events_indexed.len(),
                    report.seconds,
                    report.events_unchanged,
                    report.events_removed.len(),
                    report.documents,
                    report.index.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search(args) => search(cli, &project, args),
        Command::Themes(args) => {
            rayon_threads(args.threads);
            let cfg = themes::ThemesConfig {
                seed: args.seed.or(project.config.seed).unwrap_or(42),
                themes: args.themes,
                min_similarity: args.min_similarity,
                vocabulary_weight: args.vocabulary_weight.clamp(0.0, 1.0),
                model_labels: !args.no_model_labels,
                recluster: args.recluster,
                threads: args.threads,
                ..Default::default()
            };
            let r = themes::run(&project.workspace, &cfg)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", output::themes_text(&r));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(args) => {
            let gold = match args.gold.as_deref() {
                None => None,
                Some("event") => Some(themes::eval::Gold::Event),
                Some(g) if g.starts_with("ami-topics:") => Some(themes::eval::Gold::AmiTopics(
                    g["ami-topics:".len()..].into(),
                )),
                Some(g) => anyhow::bail!(
                    "unknown gold labelling `{g}`: expected `event` or `ami-topics:DIR`"
                ),
            };
            let r = themes::eval::run(&project.workspace, gold.as_ref(), args.other_seed)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", output::eval_text(&r));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(args) => {
            let r = report::run(
                &project.workspace,
                &args.out,
                &insights::InsightsConfig { k: args.k },
            )?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                for f in &r.files {
                    println!("{}", f.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let cfg = chorus::serve::ServeConfig {
                addr: args.addr,
                report: Some(project.root.join(&args.report)),
                semantic: !args.no_semantic,
                cache: !args.no_cache,
            };
            let json = cli.json;
            chorus::serve::run(&project.workspace, &cfg, |addr| {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "listening": format!("http://{addr}") })
                    );
                } else {
                    println!("listening on http://{addr}  (Ctrl-C stops)");
                }
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init(args) => {
            let path = chorus::workbench::init(&args.dir)?;
            if cli.json {
                println!("{}", serde_json::json!({ "config": path }));
            } else {
                println!("wrote {}", path.display());
                println!(
                    "next: put event folders under {}/events (or edit `inputs`), then `chorus run`",
                    args.dir.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let contents = chorus::workbench::contents(&project);
            let stages = chorus::workbench::status(&project);
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "contents": contents, "stages": stages })
                    )?
                );
            } else {
                print!("{}", output::status_text(&contents, &stages));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => run_stale(cli, &project),
        Command::Completions(args) => {
            use clap::CommandFactory as _;
            let mut cmd = cli::Cli::command();
            clap_complete::generate(args.shell, &mut cmd, "chorus", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Embed(args) => {
            let cfg = embed::EmbedConfig {
                model: args.model.clone(),
                threads: args.threads,
                batch: args.batch,
                progress: !cli.quiet,
            };
            let r = embed::run(&project.workspace, &cfg)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "embedded {} new texts ({} cached) of {} units in {:.1} s ({:.0} texts/s) with model {} ({})",
                    r.embedded,
                    r.cached,
                    r.units,
                    r.seconds,
                    r.per_second,
                    r.model_id,
                    r.model_dir.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn search(cli: &Cli, project: &Project, args: &cli::SearchArgs) -> anyhow::Result<ExitCode> {
    let filters: Vec<(String, Vec<String>)> = [
        ("event", &args.event),
        ("country", &args.country),
        ("frame", &args.frame),
        ("question", &args.question),
        ("theme", &args.theme),
        ("lang", &args.lang),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    let mode = if args.semantic {
        index::search::Mode::Semantic
    } else if args.hybrid {
        index::search::Mode::Hybrid
    } else {
        index::search::Mode::Lexical
    };
    let req = index::search::SearchRequest {
        query: args.query.clone(),
        filters,
        from: args.from.clone(),
        to: args.to.clone(),
        limit: args.limit,
        offset: args.offset,
        mode,
        themes: args.themes,
    };
    if !project.workspace.index_dir().join("meta.json").is_file() {
        anyhow::bail!(
            "the workspace `{}` has no index yet\nhint: run `chorus index` first",
            project.workspace.root().display()
        );
    }
    let (idx, fields) = index::open(&project.workspace)?;
    let resp = if mode == index::search::Mode::Lexical || args.themes {
        index::search::search(&idx, &fields, &req, None)?
    } else {
        let vectors = embed::load(&project.workspace)?;
        let model = embed::Model::load(&vectors.info.model_dir, 2)?;
        index::search::search(
            &idx,
            &fields,
            &req,
            Some(&index::search::Semantic {
                model: &model,
                vectors: &vectors,
            }),
        )?
    };
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&resp)?);
    } else {
        let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
        print!("{}", output::search_text(&resp, color));
    }
    Ok(ExitCode::SUCCESS)
}

/// Sizes rayon's pool (themes are deterministic whatever the count).
fn rayon_threads(n: usize) {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(n.max(1))
        .build_global();
}

fn print_problems(cli: &Cli, problems: &[ingest::problem::Problem]) {
    if cli.quiet {
        return;
    }
    let limit = if cli.verbose > 0 {
        usize::MAX
    } else {
        SHOWN_PROBLEMS
    };
    for p in problems.iter().take(limit) {
        eprintln!("{p}");
    }
    if problems.len() > limit {
        eprintln!(
            "... and {} more (all of them: -v, or --json)",
            problems.len() - limit
        );
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
