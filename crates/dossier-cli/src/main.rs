//! The `dossier` command.

// Standard output goes through `output`, which escapes terminal controls and ends
// quietly when the reader goes away; these shadow the standard macros crate-wide.
macro_rules! println {
    () => {
        $crate::output::write(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*), true)
    };
}
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*), false)
    };
}

mod output;
mod report;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use dossier_app::evaluation::{self, GoldSource};
use dossier_app::text::{parse_date, NaiveDate};
use dossier_app::{export, ingest, read, search, Dossier, Store};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when some inputs were skipped or only partly read.
const EXIT_PARTIAL: u8 = 3;

#[derive(Parser)]
#[command(name = "dossier", version, about = "Turn a pile of news captures into a clean, cited, searchable dossier.")]
struct Cli {
    /// The dossier's SQLite file (created when missing).
    #[arg(long, global = true, env = "DOSSIER_DB", default_value = "dossier.db")]
    db: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest files and folders and run the whole pipeline on them.
    Analyze {
        /// Files or folders (read recursively, in name order), web addresses (http,
        /// https: fetched), or `-` for standard input. Feeds, web archives, PDFs and JSON
        /// records give an article for each item.
        #[arg(required_unless_present = "urls")]
        inputs: Vec<std::ffi::OsString>,
        /// A file of web addresses to fetch, one a line (blank lines and `#` comments skipped).
        #[arg(long, value_name = "FILE")]
        urls: Option<PathBuf>,
        /// Also fetch the pages that feeds and sitemaps point to (a teaser item's article,
        /// a sitemap's pages), when not stored already.
        #[arg(long)]
        fetch: bool,
        /// Least seconds between two requests to one site (robots.txt may ask for more).
        #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
        delay: f64,
        /// Largest file accepted, in MiB.
        #[arg(long, default_value_t = ingest::DEFAULT_MAX_FILE_SIZE / (1024 * 1024))]
        max_file_size: u64,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Average similarity from which articles form one story (0 to 1).
        #[arg(long, default_value_t = dossier_app::STORY_THRESHOLD)]
        story_threshold: f64,
        /// Up to this many stored articles, stories are recomputed in full on every
        /// ingest (order-independent); above it new articles are assigned incrementally.
        #[arg(long, default_value_t = 20_000)]
        story_rebuild_limit: usize,
        /// Then serve the web UI and API (see `dossier serve`).
        #[arg(long)]
        serve: bool,
        #[command(flatten)]
        server: ServeArgs,
    },
    /// Serve the web UI and the JSON API (under /api/, described at /api/openapi.json).
    Serve(ServeArgs),
    /// Keep the dossier current: sources (feeds, sitemaps, pages, folders) checked at an interval each.
    Follow {
        #[command(subcommand)]
        action: FollowAction,
    },
    /// Print a shell completion script: `dossier completions bash > /etc/bash_completion.d/dossier`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// List stored articles.
    Articles {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        #[command(flatten)]
        paging: PageArgs,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Show one article: clean text and metadata.
    Show {
        /// Article id, or a unique prefix of it.
        id: String,
        /// Print the capture as it was ingested instead of the clean text.
        #[arg(long)]
        original: bool,
        /// Also list the lines cleaning removed, and why.
        #[arg(long)]
        removed: bool,
        /// Instead of the text: each quote's speaker, the words that name them, how they
        /// were resolved, and the candidates the speaker ranker weighed with their scores.
        #[arg(long, conflicts_with = "original")]
        quotes: bool,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Export the dossier (see docs/export.md for the contract).
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
        /// What JSON lines and CSV list, one record a line or row (json holds everything).
        #[arg(long, value_enum, default_value_t = ExportListing::Articles)]
        what: ExportListing,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// List duplicate groups: each canonical article with its exact, near and partial copies.
    Duplicates,
    /// Compare two articles paragraph by paragraph, with their metadata and cited links.
    Diff {
        /// First article (id or unique prefix).
        first: String,
        /// Second article (id or unique prefix).
        second: String,
    },
    /// List quotes with their speakers, the outlets reporting them (earliest first) and the agency cited.
    Quotes {
        /// Only quotes by this speaker (any spelling: Sergei or Sergey Ryabkov, a surname).
        #[arg(long)]
        speaker: Option<String>,
        /// Only quotes of this story (id or unique prefix).
        #[arg(long)]
        story: Option<String>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        #[command(flatten)]
        paging: PageArgs,
    },
    /// List people, organisations and places, one entity across spellings.
    Entities {
        /// Only this kind.
        #[arg(long = "type", value_enum)]
        kind: Option<EntityType>,
        #[command(flatten)]
        paging: PageArgs,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// A story's dated events, relative dates resolved, each with its sources.
    Timeline {
        /// Story id or unique prefix (optional when the dossier has one story).
        story: Option<String>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Which outlet reported which quote and event of a story, and which left it out.
    Coverage {
        /// Story id or unique prefix (optional when the dossier has one story).
        story: Option<String>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// List stories: label, date span, articles.
    Stories {
        /// First recompute every story from scratch (order-independent).
        #[arg(long)]
        rebuild: bool,
        /// Average similarity from which articles form one story, with --rebuild.
        #[arg(long, default_value_t = dossier_app::STORY_THRESHOLD)]
        threshold: f64,
        #[command(flatten)]
        paging: PageArgs,
    },
    /// Show one story: its articles in date order, with duplicates folded.
    Story {
        /// Story id, or a unique prefix of it.
        id: String,
        /// A report in Markdown (timeline, who said what with the first reporter, sources, coverage).
        #[arg(long)]
        markdown: bool,
    },
    /// Score the stored results against a gold file.
    Eval {
        /// A gold file in the format of ../shared/gold/seeds.json.
        #[arg(long, required_unless_present = "groups")]
        gold: Option<PathBuf>,
        /// Instead of --gold: a JSON-lines corpus whose records carry a story label
        /// (e.g. ECB+'s `subtopic`); scores the stories and duplicates stages against it.
        #[arg(long, conflicts_with = "gold")]
        groups: Option<PathBuf>,
        /// The record field that names the story, with --groups.
        #[arg(long, default_value = "subtopic")]
        group_key: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// Fail (exit 1) when any stage's F1 is below this.
        #[arg(long)]
        min: Option<f64>,
        /// List every error, not only the first 40.
        #[arg(long)]
        verbose: bool,
    },
    /// Rebuild the search index (kept current by `analyze`; this recomputes it from the store).
    Reindex,
    /// Full-text search over articles and quotes: words, "phrases", +must -not; best first.
    Search {
        /// The query (tantivy syntax); empty lists by filters alone.
        #[arg(default_value = "")]
        query: String,
        /// Only articles or only quotes.
        #[arg(long, value_parser = ["article", "quote"])]
        kind: Option<String>,
        #[command(flatten)]
        filter: FilterArgs,
        /// Quotes by this speaker (any spelling).
        #[arg(long)]
        speaker: Option<String>,
        /// Naming this entity (name in any spelling, or id).
        #[arg(long)]
        entity: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

/// What lists of articles (and search) narrow by.
#[derive(clap::Args, Debug, Clone)]
struct FilterArgs {
    /// Only this story's (an id or a unique prefix).
    #[arg(long)]
    story: Option<String>,
    /// Only this outlet's.
    #[arg(long)]
    outlet: Option<String>,
    /// Only those published on or after this day (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Only those published on or before this day (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    /// Only those in this language (ISO 639-1 code, such as en).
    #[arg(long)]
    language: Option<String>,
}

impl FilterArgs {
    /// The --from and --to days, each checked to be a date.
    fn days(&self) -> anyhow::Result<(Option<NaiveDate>, Option<NaiveDate>)> {
        let day = |value: &Option<String>, flag: &str| -> anyhow::Result<Option<NaiveDate>> {
            value
                .as_deref()
                .map(|v| parse_date(v).with_context(|| format!("--{flag} {v:?} is not a date (YYYY-MM-DD)")))
                .transpose()
        };
        Ok((day(&self.from, "from")?, day(&self.to, "to")?))
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ListFormat {
    Table,
    Json,
}

#[derive(clap::Args, Clone)]
struct ServeArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Port (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Accept uploads (`POST /api/articles`) carrying `Authorization: Bearer TOKEN`; read-only without it.
    #[arg(long, env = "DOSSIER_TOKEN", hide_env_values = true, value_parser = non_empty_token)]
    token: Option<String>,
    /// Largest request body accepted, in KiB.
    #[arg(long, default_value_t = 2048)]
    max_body_kib: usize,
    /// Also check the followed sources as they fall due (see `dossier follow`).
    #[arg(long)]
    follow: bool,
}

#[derive(Subcommand)]
enum FollowAction {
    /// Follow a feed, sitemap or page address, or a folder (checked at once, then every --every).
    Add {
        location: String,
        /// How often: 90s, 15m, 2h, 1d (web sources at most every minute).
        #[arg(long, default_value = "15m")]
        every: String,
    },
    /// Stop following a source (its id or location); its articles stay.
    Remove { source: String },
    /// The followed sources, when each was last checked and how it went.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Check sources as they fall due, until Ctrl-C; one line per check and per new article.
    Run {
        /// Check what is due once and stop.
        #[arg(long)]
        once: bool,
        /// Check every source now, due or not.
        #[arg(long)]
        now: bool,
        /// Least seconds between two requests to one site.
        #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
        delay: f64,
    },
}

/// The server's rule for tokens, checked as the command line is read (a usage error).
fn non_empty_token(value: &str) -> Result<String, String> {
    dossier_server::check_token(value).map(|()| value.to_string())
}

fn follow(cli: &Cli, action: &FollowAction) -> anyhow::Result<ExitCode> {
    use dossier_app::follow;
    match action {
        FollowAction::Add { location, every } => {
            let mut store = open_store(cli)?;
            let source = follow::add(&mut store, location, follow::parse_interval(every)?)?;
            println!(
                "Following {} (source {}) every {}; `dossier follow run` (or `serve --follow`) checks it.",
                source.location,
                source.id,
                follow::human_duration(source.every_seconds)
            );
        }
        FollowAction::Remove { source } => {
            follow::remove(&mut open_store(cli)?, source)?;
            println!("No longer following {source}; its articles stay in the dossier.");
        }
        FollowAction::List { format } => {
            let sources = follow::list(&open_store(cli)?)?;
            print_list(*format, &sources, |_| report::print_sources(&sources, follow::now()))?;
        }
        FollowAction::Run { once, now, delay } => {
            let options = ingest::Options {
                progress: false,
                max_file_size: ingest::DEFAULT_MAX_FILE_SIZE,
                fetch: fetch_options(*delay)?,
                ..ingest::Options::default()
            };
            let mut store = open_store(cli)?;
            if *now {
                store.make_sources_due()?;
            }
            drop(store);
            let follower = follow::Follower::new(&cli.db, options);
            let mut log = |line: String| println!("{} {}", chrono_now(), dossier_app::text::escape_controls(&line));
            if *once {
                follower.check_due(&mut log)?;
            } else {
                let stop = std::sync::atomic::AtomicBool::new(false);
                follower.run(&stop, &mut log)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fetch_options(delay: f64) -> anyhow::Result<ingest::FetchOptions> {
    Ok(ingest::FetchOptions {
        per_host_delay: std::time::Duration::try_from_secs_f64(delay)
            .map_err(|_| anyhow::anyhow!("--delay must be a number of seconds, not {delay}"))?,
        ..ingest::FetchOptions::default()
    })
}

/// The time now, as a log line starts with it.
fn chrono_now() -> String {
    dossier_app::text::utc_now()
}

fn serve(db: &std::path::Path, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = dossier_server::Config::new(db.to_path_buf());
    config.token = args.token.clone();
    config.body_limit = args.max_body_kib * 1024;
    let writable = config.token.is_some();
    if args.follow {
        let options = ingest::Options { max_file_size: ingest::DEFAULT_MAX_FILE_SIZE, ..ingest::Options::default() };
        let follower = dossier_app::follow::Follower::new(db, options);
        std::thread::Builder::new().name("follow".into()).spawn(move || {
            let stop = std::sync::atomic::AtomicBool::new(false);
            let mut log = |line: String| eprintln!("{} {}", chrono_now(), dossier_app::text::escape_controls(&line));
            if let Err(error) = follower.run(&stop, &mut log) {
                eprintln!("dossier: following stopped: {error:#}");
            }
        })?;
    }
    dossier_server::serve_blocking(config, std::net::SocketAddr::new(args.host, args.port), |addr| {
        println!("Dossier is at http://{addr}/  (API: http://{addr}/api/, OpenAPI: http://{addr}/api/openapi.json)");
        println!("{} Ctrl-C stops it.", if writable { "Uploads accepted with the token." } else { "Read-only." });
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum EntityType {
    Person,
    Organization,
    Place,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportListing {
    Articles,
    Quotes,
    Entities,
    Events,
}

impl ExportListing {
    fn listing(self) -> export::Listing {
        match self {
            ExportListing::Articles => export::Listing::Articles,
            ExportListing::Quotes => export::Listing::Quotes,
            ExportListing::Entities => export::Listing::Entities,
            ExportListing::Events => export::Listing::Events,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
    Jsonl,
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) if output::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dossier: error: {}", dossier_app::text::escape_controls(&format!("{error:#}")));
            ExitCode::FAILURE
        }
    }
}

/// A message for the person at the terminal, on one line.
fn notify(message: &str) {
    eprintln!("dossier: {}", dossier_app::text::escape_controls(message));
}

/// Opens the store, first finding again what an older analyzer stored (with a
/// progress bar), so that no command recomputes the findings of unchanged articles.
fn open_store(cli: &Cli) -> anyhow::Result<Store> {
    ingest::open(&cli.db, true, &mut notify)
}

/// The gold a command was given: a gold file, or a file of groups.
fn gold_source<'a>(
    gold: Option<&'a std::path::Path>,
    groups: Option<&'a std::path::Path>,
    key: &'a str,
) -> anyhow::Result<GoldSource<'a>> {
    match (groups, gold) {
        (Some(path), _) => Ok(GoldSource::Groups { path, key }),
        (None, Some(path)) => Ok(GoldSource::File(path)),
        (None, None) => anyhow::bail!("give --gold FILE or --groups FILE"),
    }
}

/// Prints rows as a table for people or as JSON.
/// Which page of a long list to show.
#[derive(clap::Args, Debug, Clone, Copy)]
struct PageArgs {
    /// How many to list.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Which page of `--limit` (1 is the first).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    page: u64,
}

impl PageArgs {
    fn window(self) -> read::Window {
        read::Window { page: self.page as usize, per_page: self.limit.max(1) }
    }
}

fn print_list<T: serde::Serialize>(format: ListFormat, rows: &[T], table: impl Fn(&[T])) -> anyhow::Result<ExitCode> {
    match format {
        ListFormat::Table => table(rows),
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(rows)?),
    }
    Ok(ExitCode::SUCCESS)
}

/// The story an id prefix names, or the only story when none is given.
fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Serve(args) => serve(&cli.db, args),
        Command::Follow { action } => follow(&cli, action),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(*shell, &mut Cli::command(), "dossier", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Analyze {
            inputs,
            urls,
            fetch,
            delay,
            max_file_size,
            quiet,
            story_threshold,
            story_rebuild_limit,
            serve: and_serve,
            server,
        } => {
            let mut store = open_store(&cli)?;
            let options = ingest::Options {
                max_file_size: max_file_size.saturating_mul(1024 * 1024),
                progress: !quiet,
                story_threshold: *story_threshold,
                story_rebuild_limit: *story_rebuild_limit,
                fetch_linked: *fetch,
                articles_per_step: ingest::ARTICLES_PER_STEP,
                fetch: fetch_options(*delay)?,
            };
            let mut sources: Vec<ingest::Input> = inputs.iter().map(|arg| ingest::Input::from_arg(arg)).collect();
            if let Some(list) = urls {
                sources.extend(ingest::read_url_list(list)?);
            }
            let summary = ingest::ingest_inputs(&mut store, &sources, &options)?;
            for problem in &summary.problems {
                eprintln!("dossier: {problem}");
            }
            // The index follows the store's generation: brought up to date after this run,
            // or after one killed before it got there.
            ingest::failpoint("before-index");
            search::open_index_after_writing(&cli.db, &mut store, &mut notify)?;
            report::print_summary(&summary, &cli.db, read::article_count(&store)?);
            if *and_serve && !summary.articles.is_empty() {
                drop(store);
                return serve(&cli.db, server);
            }
            if !*and_serve {
                println!("See it in a browser: `dossier --db {} serve`, or add --serve.", cli.db.display());
            }
            Ok(if summary.problems.is_empty() {
                ExitCode::SUCCESS
            } else if summary.articles.is_empty() {
                ExitCode::FAILURE
            } else {
                ExitCode::from(EXIT_PARTIAL)
            })
        }
        Command::Articles { format, paging, filter } => {
            let (from, to) = filter.days()?;
            let store = open_store(&cli)?;
            let filter = dossier_app::ArticleFilter {
                story: filter.story.as_deref().map(|s| read::story_id(&store, s)).transpose()?,
                outlet: filter.outlet.clone(),
                from: from.map(|d| d.to_string()),
                to: to.map(|d| d.to_string()),
                language: filter.language.clone(),
            };
            let page = read::articles(&store, &filter, paging.window())?;
            print_list(*format, &page.items, |_| report::print_articles(&page))
        }
        Command::Show { id, original, removed, quotes, format } => {
            let store = open_store(&cli)?;
            let Some(article) = Dossier::one_article(&store, id)? else {
                eprintln!("dossier: no article with id {id:?} (see `dossier articles`)");
                return Ok(ExitCode::FAILURE);
            };
            if *quotes {
                let explained = read::explain_quotes(&article);
                match format {
                    ListFormat::Json => println!("{}", serde_json::to_string_pretty(&explained)?),
                    ListFormat::Table => report::print_quote_explanations(&explained),
                }
            } else if *format == ListFormat::Json {
                println!("{}", serde_json::to_string_pretty(&article)?);
            } else if *original {
                print!("{}", article.original);
            } else {
                report::print_article(&article, *removed);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { format, what, output } => {
            let dossier = Dossier::load(&open_store(&cli)?)?;
            let mut out: Box<dyn Write> = match output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            match format {
                ExportFormat::Json => export::write_json(&dossier, &mut out)?,
                ExportFormat::Jsonl => export::write_jsonl(&dossier, what.listing(), &mut out)?,
                ExportFormat::Csv => export::write_csv(&dossier, what.listing(), &mut out)?,
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { gold, groups, group_key, format, min, verbose } => {
            let gold = evaluation::load_gold(gold_source(gold.as_deref(), groups.as_deref(), group_key)?)?;
            let result = evaluation::score(&open_store(&cli)?, &gold)?;
            match format {
                ListFormat::Table => report::print_eval(&result, *verbose),
                ListFormat::Json => println!("{}", serde_json::to_string_pretty(&result)?),
            }
            let below: Vec<&str> = match min {
                Some(min) => result.stages.iter().filter(|s| s.f1 < *min).map(|s| s.stage.as_str()).collect(),
                None => Vec::new(),
            };
            if !below.is_empty() {
                eprintln!("dossier: F1 below {} in: {}", min.unwrap_or_default(), below.join(", "));
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Duplicates => {
            report::print_duplicates(&Dossier::load_articles(&open_store(&cli)?)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { first, second } => {
            report::print_diff(&read::compare(&open_store(&cli)?, first, second)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Quotes { speaker, story, format, paging } => {
            let filter = read::QuoteFilter { speaker: speaker.clone(), story: story.clone(), outlet: None };
            let page = read::quotes(&open_store(&cli)?, &filter, paging.window())?;
            print_list(*format, &page.items, |_| report::print_quotes(&page))
        }
        Command::Entities { kind, paging, format } => {
            let kind = kind.as_ref().and_then(|k| k.to_possible_value()).map(|v| v.get_name().to_string());
            let page = read::entities(&open_store(&cli)?, kind.as_deref(), paging.window())?;
            print_list(*format, &page.items, |_| report::print_entities(&page))
        }
        Command::Timeline { story, format } => {
            let store = open_store(&cli)?;
            let story = read::find_story(&store, story.as_deref())?;
            print_list(*format, &read::timeline(&store, &story)?, |rows| report::print_timeline(&story, rows))
        }
        Command::Coverage { story, format } => {
            let store = open_store(&cli)?;
            let story = read::find_story(&store, story.as_deref())?;
            let matrix = dossier_app::dossier::story_coverage(&store, &story.id)?;
            match format {
                ListFormat::Table => report::print_coverage(&story, &matrix),
                ListFormat::Json => println!("{}", serde_json::to_string_pretty(&matrix)?),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Stories { rebuild, threshold, paging } => {
            let mut store = open_store(&cli)?;
            if *rebuild {
                ingest::rebuild_stories(&mut store, *threshold)?;
            }
            report::print_stories(&read::stories(&store, paging.window())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Story { id, markdown } => {
            let store = open_store(&cli)?;
            let view = read::story(&store, id)?;
            if *markdown {
                print!("{}", dossier_app::story_report::markdown(&view));
            } else {
                report::print_story(&view);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex => {
            let store = open_store(&cli)?;
            let count = search::reindex(&cli.db, &store)?;
            println!("indexed {count} articles and quotes in {}", search::index_dir(&cli.db).display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { query, kind, filter, speaker, entity, limit, format } => {
            let (from, to) = filter.days()?;
            let request = search::Query {
                text: query.clone(),
                kind: kind.clone(),
                outlet: filter.outlet.clone(),
                from,
                to,
                story: filter.story.clone(),
                speaker: speaker.clone(),
                entity: entity.clone(),
                language: filter.language.clone(),
            };
            let store = open_store(&cli)?;
            let index = search::open_index(&cli.db, &store, &mut notify)?;
            let results = search::search(&index, &store, &request, *limit, 0)?;
            match format {
                ListFormat::Table => report::print_search(&results),
                ListFormat::Json => println!("{}", serde_json::to_string_pretty(&results)?),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
