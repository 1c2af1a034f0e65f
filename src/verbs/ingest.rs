//! `b24ops ingest-calls`: NDJSON call records from stdin, in batched transactions.

use std::time::Instant;

use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use super::Ctx;
use super::report::{emit, open};
use crate::cli::IngestArgs;
use crate::intake::calls::parse_call;
use crate::intake::lines::{BoundedLines, Line};
use crate::model::NewApiCall;
use crate::store::Store;

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
}

impl Progress {
    fn bad_line(&mut self, line: usize, why: &str) {
        self.bad += 1;
        if self.bad as usize <= BAD_LINES_SHOWN {
            eprintln!("line {line}: {why}");
        }
    }
}

/// Writes `batch` (ending at `line`) as one transaction; an error says what was committed before.
async fn flush(store: &Store, batch: &mut Vec<NewApiCall>, line: usize, p: &mut Progress) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    store.seed_writer().calls(batch).await.wrap_err_with(|| {
        format!(
            "{} calls (lines 1–{}) were committed; the batch up to line {line} was not, nor anything after it",
            p.committed, p.last_committed_line
        )
    })?;
    p.committed += batch.len() as u64;
    p.last_committed_line = line;
    batch.clear();
    Ok(())
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
                flush(&store, &mut batch, last_line, &mut p).await?;
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
            flush(&store, &mut batch, line_no, &mut p).await?;
            batch_text = 0;
        }
    }
    flush(&store, &mut batch, last_line, &mut p).await?;
    store.close().await;
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let (good, bad) = (p.committed, p.bad);
    emit(&format!("ingested {good} calls in {secs:.1}s ({:.0} rows/s); {bad} bad lines\n", good as f64 / secs))?;
    if bad > 0 {
        return Err(eyre!("{bad} line(s) were not ingested (see above); the other {good} were"));
    }
    Ok(())
}
