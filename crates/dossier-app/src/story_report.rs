//! A story as a Markdown report that reads well on its own: what it is about, how
//! coverage grew day by day, the dated timeline, who said what (with the outlet that
//! reported it first and the agency it cites), the sources, and who reported what.

use crate::export::ExportQuote;
use crate::read::{Shown, StoryView};
use crate::text::shorten;
use dossier_core::across::analysis::Report;
use std::fmt::Write;

/// The most outlets the coverage table spreads into columns; the rest are counted.
const COVERAGE_COLUMNS: usize = 12;
/// Width of the longest bar in the articles-per-day chart.
const BAR_WIDTH: usize = 30;

/// The report of a story view, in Markdown.
pub fn markdown(view: &StoryView) -> String {
    let mut out = String::new();
    heading(&mut out, view);
    per_day(&mut out, view);
    timeline(&mut out, view);
    quotes(&mut out, view);
    sources(&mut out, view);
    coverage(&mut out, view);
    out
}

fn heading(out: &mut String, view: &StoryView) {
    let story = &view.story;
    let span = match (&story.first, &story.last) {
        (Some(first), Some(last)) if first != last => format!(", {first} to {last}"),
        (Some(day), _) | (_, Some(day)) => format!(", {day}"),
        _ => String::new(),
    };
    let _ = writeln!(out, "# {}\n", inline(&story.label));
    let outlets = match story.outlets.len() {
        0 => String::new(),
        n => format!(" from {n} outlet{} ({})", plural(n), story.outlets.join(", ")),
    };
    let _ =
        writeln!(out, "{} article{}{outlets}{span}. Story `{}`.\n", story.articles, plural(story.articles), story.id);
}

fn per_day(out: &mut String, view: &StoryView) {
    let days = &view.story.per_day;
    if days.is_empty() {
        return;
    }
    let most = days.iter().map(|d| d.count).max().unwrap_or(1).max(1);
    let _ = writeln!(out, "## Articles per day\n\n| day | articles | |\n|---|---:|---|");
    for day in days {
        let bar = "█".repeat((day.count * BAR_WIDTH).div_ceil(most));
        let _ = writeln!(out, "| {} | {} | {bar} |", day.date, day.count);
    }
    out.push('\n');
}

fn timeline(out: &mut String, view: &StoryView) {
    if view.timeline.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Timeline\n");
    for event in &view.timeline {
        let inferred = if event.inferred { " (date inferred from the story)" } else { "" };
        let _ =
            writeln!(out, "- **{}**{inferred}: {} ({})", event.date, inline(&event.summary), reporters(&event.sources));
    }
    cut_note(out, view.limits.timeline, "events");
}

fn quotes(out: &mut String, view: &StoryView) {
    if view.quotes_by_speaker.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Who said what\n");
    for speaker in &view.quotes_by_speaker {
        let role = speaker.role.as_deref().map(|r| format!(", {}", inline(r))).unwrap_or_default();
        let _ = writeln!(out, "### {}{role}\n", inline(&speaker.speaker));
        for quote in &speaker.quotes {
            let _ = writeln!(out, "> {}\n>\n> — {}\n", inline(&quote.text), first_report(quote));
        }
    }
    cut_note(out, view.limits.quotes, "quotes");
}

/// "first reported by The Moscow Times (2021-12-17), citing Interfax; also Reuters, TASS".
fn first_report(quote: &ExportQuote) -> String {
    let Some(first) = quote.reports.first() else { return "reported by no stored article".into() };
    let mut line = format!("first reported by {}", outlet_and_day(first));
    if let Some(agency) = &quote.cited_source {
        let _ = write!(line, ", citing {}", inline(agency));
    }
    let others: Vec<&str> = quote.reported_by.iter().skip(1).map(String::as_str).collect();
    if !others.is_empty() {
        let _ = write!(line, "; also {}", others.join(", "));
    }
    line
}

fn sources(out: &mut String, view: &StoryView) {
    if view.sources.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Sources\n\n| published | outlet | title | copies | article |\n|---|---|---|---:|---|");
    for source in &view.sources {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{}` |",
            source.published.as_deref().unwrap_or("–"),
            inline(source.outlet.as_deref().unwrap_or("–")),
            inline(source.title.as_deref().unwrap_or("(no title)")),
            source.all_copies,
            short(&source.article)
        );
    }
    cut_note(out, view.limits.sources, "sources");
}

fn coverage(out: &mut String, view: &StoryView) {
    let coverage = &view.coverage;
    if coverage.rows.is_empty() || coverage.columns.is_empty() {
        return;
    }
    let columns = coverage.columns.len().min(COVERAGE_COLUMNS);
    let _ = writeln!(out, "## Who reported what\n");
    let names: Vec<String> = coverage.columns[..columns]
        .iter()
        .map(|c| inline(c.outlet.as_deref().unwrap_or(&c.article[..c.article.len().min(10)])))
        .collect();
    let _ = writeln!(out, "| | {} | reported by |", names.join(" | "));
    let _ = writeln!(out, "|---|{}---:|", ":---:|".repeat(columns));
    for row in &coverage.rows {
        let marks: Vec<&str> = row.reported.iter().take(columns).map(|&r| if r { "✓" } else { "·" }).collect();
        let count = row.reported.iter().filter(|&&r| r).count();
        let kind = if row.kind == "quote" { "quote" } else { "event" };
        let _ = writeln!(
            out,
            "| {kind}: {} | {} | {count} of {} |",
            inline(&shorten(&row.label, 80)),
            marks.join(" | "),
            row.reported.len()
        );
    }
    if coverage.columns.len() > columns {
        let _ = writeln!(out, "\nThe first {columns} of {} sources are shown as columns.", coverage.columns.len());
    }
    cut_note(out, view.limits.coverage_rows, "rows");
}

fn reporters(reports: &[Report]) -> String {
    let mut outlets: Vec<String> = Vec::new();
    for report in reports {
        let name = outlet_and_day(report);
        if !outlets.contains(&name) {
            outlets.push(name);
        }
    }
    outlets.join("; ")
}

fn outlet_and_day(report: &Report) -> String {
    let outlet =
        report.outlet.as_deref().map(inline).unwrap_or_else(|| format!("article `{}`", short(&report.article)));
    match report.published {
        Some(day) => format!("{outlet}, {day}"),
        None => outlet,
    }
}

fn cut_note(out: &mut String, shown: Shown, noun: &str) {
    if shown.is_cut() {
        let _ = writeln!(out, "\n*{} of {} {noun} shown.*", shown.shown, shown.total);
    }
    out.push('\n');
}

/// Text on one line, with the characters Markdown would act on escaped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    for c in crate::text::escape_controls(&one_line).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_escaped_and_one_line() {
        assert_eq!(inline("a|b *c*\n<x>"), "a\\|b \\*c\\* \\<x\\>");
        assert_eq!(shorten("abcdef", 3), "ab…");
    }
}
