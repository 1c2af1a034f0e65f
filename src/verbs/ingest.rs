//! `b24ops ingest-calls`: NDJSON call records from stdin, in batched transactions.

use std::time::Instant;

use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use super::Ctx;
use super::report::{emit, open};
use crate::cli::IngestArgs;
use crate::intake::calls::parse_call;
use crate::intake::idempotency;
use crate::intake::lines::{BoundedLines, Line};
use crate::model::NewApiCall;
use crate::store::{IntakeKey, KeptAnswer, Store};
use chrono::{DateTime, Utc};

/// Bad lines named one by one before the rest are only counted.
const BAD_LINES_SHOWN: usize = 20;
/// A batch is written once its text reaches this many bytes, whatever `--batch` says, so memory
/// stays bounded when every line carries a long description.
const BATCH_TEXT_MAX: usize = 8 * 1024 * 1024;

/// What has been written so far, for the report and for the error that stops the run.
#[derive(Default)]
struct Progress {
    committed: u64,
    last_committed_line: usize,
    bad: u64,
    /// Batches flushed (written or skipped), for their keys under `--batch-id`.
    batches: u64,
    /// The last line of the last batch flushed.
    flushed_to_line: usize,
    /// Calls of batches an earlier run with the same `--batch-id` had committed.
    skipped: u64,
}

impl Progress {
    fn bad_line(&mut self, line: usize, why: &str) {
        self.bad += 1;
        if self.bad as usize <= BAD_LINES_SHOWN {
            eprintln!("line {line}: {why}");
        }
    }
}

/// The route batch ids are kept under.
const ROUTE: &str = "ingest-calls";

/// Writes `batch` (ending at `line`) as one transaction; an error says what was committed before.
/// Under a batch id the batch's key is stored with it, and a batch an earlier run committed is
/// skipped.
async fn flush(
    store: &Store,
    batch: &mut Vec<NewApiCall>,
    line: usize,
    p: &mut Progress,
    batch_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    p.batches += 1;
    let key = batch_id.map(|id| IntakeKey {
        route: ROUTE,
        key: format!("{id}#{}", p.batches),
        kept: KeptAnswer {
            // What the batch holds, not only where it was: a reused id over other input is told.
            fingerprint: format!(
                "lines {}-{line}, {}",
                p.flushed_to_line + 1,
                idempotency::fingerprint(format!("{batch:?}").as_bytes())
            ),
            status: 200,
            answer: format!("{{\"committed\":{}}}", batch.len()),
        },
    });
    p.flushed_to_line = line;
    if let Some(k) = &key
        && already_committed(store, k, now).await?
    {
        p.skipped += batch.len() as u64;
        batch.clear();
        return Ok(());
    }
    match store.seed_writer().calls_once(batch, key.as_ref(), now).await {
        Ok(()) => {}
        // Another run with the same id committed this batch first.
        Err(e) if key.is_some() && e.is_duplicate_key() => {
            p.skipped += batch.len() as u64;
            batch.clear();
            return Ok(());
        }
        Err(e) => {
            return Err(e).wrap_err_with(|| {
                format!(
                    "{} calls (lines 1–{}) were committed; the batch up to line {line} was not, nor anything after it",
                    p.committed, p.last_committed_line
                )
            });
        }
    }
    p.committed += batch.len() as u64;
    p.last_committed_line = line;
    batch.clear();
    Ok(())
}

/// Whether an earlier run under the same batch id committed this batch; the same key over other
/// lines is an error (the id was reused for different input).
async fn already_committed(store: &Store, k: &IntakeKey, now: DateTime<Utc>) -> Result<bool> {
    match store.kept_answer(k.route, &k.key, now).await? {
        None => Ok(false),
        Some(kept) if kept.fingerprint == k.kept.fingerprint => Ok(true),
        Some(kept) => bail!(
            "--batch-id: batch {} was {} in the earlier run, {} now: this is other input, use a new id",
            k.key,
            kept.fingerprint,
            k.kept.fingerprint
        ),
    }
}

fn text_bytes(c: &NewApiCall) -> usize {
    c.method.len() + c.member_id.len() + c.error_description.as_ref().map_or(0, String::len) + 128
}

/// Reads NDJSON call records from stdin and writes them in batched transactions. A bad (or too
/// long) line is reported with its number; the good ones are kept.
pub async fn ingest_calls(ctx: &Ctx, a: IngestArgs) -> Result<()> {
    if !(1..=20_000).contains(&a.batch) {
        bail!("--batch must be between 1 and 20000");
    }
    if a.max_line_bytes < 1024 {
        bail!("--max-line-bytes must be at least 1024");
    }
    let id = a.batch_id.as_deref().map(str::trim);
    if id.is_some_and(|i| i.is_empty() || i.len() > 200 || !i.bytes().all(|b| b.is_ascii_graphic())) {
        bail!("--batch-id must be 1–200 visible ASCII characters");
    }
    let now = ctx.clock.now();
    let store = open(ctx).await?;
    let started = Instant::now();
    let mut p = Progress::default();
    let (mut batch, mut batch_text, mut buf, mut last_line) = (Vec::with_capacity(a.batch), 0usize, Vec::new(), 0);
    let mut lines = BoundedLines::new(std::io::stdin().lock(), a.max_line_bytes);
    loop {
        let (line_no, line) = match lines.next_into(&mut buf) {
            Ok(Some(x)) => x,
            Ok(None) => break,
            Err(e) => {
                flush(&store, &mut batch, last_line, &mut p, id, now).await?;
                return Err(eyre!("stdin: {e}")).wrap_err(format!(
                    "{} calls (lines 1–{}) were committed before stdin failed",
                    p.committed, p.last_committed_line
                ));
            }
        };
        last_line = line_no;
        match line {
            Line::TooLong(n) => p.bad_line(line_no, &format!("{n} bytes, over --max-line-bytes {}", a.max_line_bytes)),
            Line::Text if buf.iter().all(u8::is_ascii_whitespace) => {}
            Line::Text => match std::str::from_utf8(&buf) {
                Err(e) => p.bad_line(line_no, &format!("not UTF-8 (at byte {})", e.valid_up_to())),
                Ok(text) => match parse_call(text.trim_start_matches('\u{feff}'), ctx.clock.now()) {
                    Ok(c) => {
                        batch_text += text_bytes(&c);
                        batch.push(c);
                    }
                    Err(why) => p.bad_line(line_no, &why),
                },
            },
        }
        if batch.len() >= a.batch || batch_text >= BATCH_TEXT_MAX {
            flush(&store, &mut batch, line_no, &mut p, id, now).await?;
            batch_text = 0;
        }
    }
    flush(&store, &mut batch, last_line, &mut p, id, now).await?;
    store.close().await;
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let (good, bad) = (p.committed, p.bad);
    let skipped = match id {
        Some(id) if p.skipped > 0 => format!("; {} calls already committed under --batch-id {id} skipped", p.skipped),
        _ => String::new(),
    };
    emit(&format!(
        "ingested {good} calls in {secs:.1}s ({:.0} rows/s); {bad} bad lines{skipped}\n",
        good as f64 / secs
    ))?;
    if bad > 0 {
        return Err(eyre!("{bad} line(s) were not ingested (see above); the other {good} were"));
    }
    Ok(())
}
