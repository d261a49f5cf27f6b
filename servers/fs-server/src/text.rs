//! Reading a text file, whole or in part, bounded by a byte cap: the engine behind
//! `read_text_file`, `read_multiple_files` and text resources.
//!
//! Every function here is synchronous (callers run it on a blocking thread) and
//! opens files only through the [`Sandbox`]. Text is read as a stream: head and
//! ranges go forward through a `BufReader`, tail reads backwards from the end in
//! chunks, so a huge file costs only the lines shown (plus, for the truncation
//! notice, a byte scan to count its lines when it is not enormous).

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

use crate::error::{FsError, FsResult};
use crate::hash::{HASH_LIMIT, sha256_of};
use crate::sandbox::Sandbox;

/// Size of the read buffer for text, and of the backwards steps of `tail`.
pub const CHUNK: usize = 64 * 1024;
/// How much of the start of a file is checked for NUL bytes and invalid UTF-8.
const SNIFF_BYTES: usize = 8 * 1024;
/// Files up to this size are scanned to count their lines for a truncation notice.
const COUNT_LIMIT: u64 = 1 << 30;
/// Width of the right-aligned line number (as `cat -n`).
const NUMBER_WIDTH: usize = 6;

/// Which lines a text read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// From line `offset` (1-based), at most `limit` lines.
    From {
        /// First line, counting from 1.
        offset: usize,
        /// Most lines to return.
        limit: Option<usize>,
    },
    /// The last N lines.
    Tail(usize),
}

impl Range {
    /// The whole file.
    pub const WHOLE: Range = Range::From {
        offset: 1,
        limit: None,
    };
}

/// Everything a text read needs besides the file.
struct TextRequest<'a> {
    range: Range,
    /// Path as the client gave it, for the continuation hint.
    arg: &'a str,
    /// Host path, for error messages.
    display: &'a str,
    line_numbers: bool,
    max_bytes: usize,
    chunk: usize,
}

/// The lines collected for output.
#[derive(Debug, Default)]
struct Collected {
    /// Each line with its terminator (the last may have none).
    lines: Vec<String>,
    /// The output stopped at the byte cap before the requested lines were all shown.
    truncated: bool,
    /// The last entry of `lines` is only the start of a line too long for the cap.
    partial: bool,
}

/// How [`read_line_bounded`] stopped.
#[derive(Debug, PartialEq, Eq)]
enum LineEnd {
    Newline,
    Eof,
    /// The line is longer than the cap; only its start was read.
    Cut,
}

/// Reads the lines `range` of the text file at `path` (as the client gave it), at
/// most `max_bytes` of them; with `report_hash`, followed by a `[sha256: HEX]` line
/// for the whole file (files up to [`HASH_LIMIT`]), which the write tools accept as
/// `expected_sha256`.
pub fn read_text(
    sb: &Sandbox,
    path: &str,
    range: Range,
    line_numbers: bool,
    max_bytes: usize,
    report_hash: bool,
) -> FsResult<String> {
    let r = sb.resolve(path)?;
    let file = sb.open_file(&r)?;
    let display = r.abs.display().to_string();
    let req = TextRequest {
        range,
        arg: path,
        display: &display,
        line_numbers,
        max_bytes,
        chunk: CHUNK,
    };
    if report_hash {
        return read_text_hashed(file, &req);
    }
    read_text_from(file, &req)
}

/// The text read followed by a `[sha256: HEX]` line for the whole file. The file (up
/// to [`HASH_LIMIT`]; larger ones get no hash) is read once into memory, hashed, and
/// the lines are taken from that same copy, so the hash always matches the text shown.
fn read_text_hashed(mut file: std::fs::File, req: &TextRequest) -> FsResult<String> {
    let io_err = |e: io::Error| FsError::io(req.display, e);
    let size = file.metadata().map_err(io_err)?.len();
    if size > HASH_LIMIT {
        return read_text_from(file, req);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    (&mut file)
        .take(HASH_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > HASH_LIMIT {
        // It grew past the limit while being read: no hash.
        return read_text_from(file, req);
    }
    let hash = sha256_of(&bytes);
    let mut out = read_text_from(io::Cursor::new(bytes), req)?;
    out.push_str(&hash_line(&out, &hash));
    Ok(out)
}

/// The `[sha256: ...]` line, on a line of its own (saying so when the text shown
/// ends without a newline, which happens only at the end of the file).
fn hash_line(out: &str, hash: &str) -> String {
    if out.is_empty() || out.ends_with('\n') {
        format!("[sha256: {hash}]\n")
    } else {
        format!("\n[sha256: {hash}; no newline at end of file]\n")
    }
}

/// The text read on any seekable source; `req.chunk` sets the buffer size.
fn read_text_from<R: Read + Seek>(mut src: R, req: &TextRequest) -> FsResult<String> {
    let io_err = |e: io::Error| FsError::io(req.display, e);
    let size = src.seek(SeekFrom::End(0)).map_err(io_err)?;
    sniff_text(&mut src, req.display)?;
    match req.range {
        Range::From { offset, limit } => read_forward(src, size, offset, limit, req),
        Range::Tail(n) => read_tail(src, size, n, req),
    }
}

/// Refuses files whose start has NUL bytes or invalid UTF-8. A character cut by the
/// end of the sniffed prefix is not an error (it continues beyond it).
fn sniff_text<R: Read + Seek>(src: &mut R, display: &str) -> FsResult<()> {
    let io_err = |e: io::Error| FsError::io(display, e);
    src.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    src.by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io_err)?;
    src.seek(SeekFrom::Start(0)).map_err(io_err)?;
    if let Some(at) = head.iter().position(|&b| b == 0) {
        return Err(not_text(
            display,
            format!("it contains a NUL byte at offset {at}, so it looks binary"),
        ));
    }
    match std::str::from_utf8(&head) {
        Err(e) if e.error_len().is_some() => Err(not_text(
            display,
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )),
        _ => Ok(()),
    }
}

fn not_text(display: &str, detail: String) -> FsError {
    FsError::NotText {
        path: display.to_string(),
        detail,
    }
}

/// `offset`/`limit` (and `head`): skip to the first line, then collect forwards.
fn read_forward<R: Read + Seek>(
    src: R,
    size: u64,
    offset: usize,
    limit: Option<usize>,
    req: &TextRequest,
) -> FsResult<String> {
    let io_err = |e: io::Error| FsError::io(req.display, e);
    let mut reader = BufReader::with_capacity(req.chunk.max(1), src);
    let skip = offset.saturating_sub(1);
    let skipped = skip_lines(&mut reader, skip).map_err(io_err)?;
    let at_eof = reader.fill_buf().map_err(io_err)?.is_empty();
    if skip > 0 && (skipped < skip || at_eof) {
        return Err(FsError::InvalidArgument(format!(
            "offset {offset} is past the end of {}, which has {skipped} lines",
            req.arg
        )));
    }
    let numbering = req.line_numbers.then_some(offset);
    let got = collect_lines(&mut reader, numbering, limit, req)?;
    let mut out = render(&got.lines, offset, req.line_numbers);
    if got.truncated {
        let mut src = reader.into_inner();
        let total = total_lines(&mut src, size).map_err(io_err)?;
        let next_limit = limit.map(|l| l.saturating_sub(got.lines.len()));
        out.push_str(&forward_notice(&got, offset, total, next_limit, req));
    }
    Ok(out)
}

/// `tail`: find where the last `n` lines start by reading backwards, then collect
/// forwards from there.
fn read_tail<R: Read + Seek>(
    mut src: R,
    size: u64,
    n: usize,
    req: &TextRequest,
) -> FsResult<String> {
    let io_err = |e: io::Error| FsError::io(req.display, e);
    let start = tail_start(&mut src, size, n, req.chunk.max(1)).map_err(io_err)?;
    let first_line = if req.line_numbers {
        Some(1 + count_newlines(&mut src, 0, start, req.chunk).map_err(io_err)?)
    } else {
        None
    };
    src.seek(SeekFrom::Start(start)).map_err(io_err)?;
    let mut reader = BufReader::with_capacity(req.chunk.max(1), src);
    let got = collect_lines(&mut reader, first_line, None, req)?;
    let mut out = render(&got.lines, first_line.unwrap_or(1), req.line_numbers);
    if got.truncated {
        let mut src = reader.into_inner();
        let numbers = match first_line {
            Some(first) => Some((first, total_lines(&mut src, size).map_err(io_err)?)),
            None if size <= COUNT_LIMIT => {
                let first = 1 + count_newlines(&mut src, 0, start, req.chunk).map_err(io_err)?;
                Some((first, total_lines(&mut src, size).map_err(io_err)?))
            }
            None => None,
        };
        out.push_str(&tail_notice(&got, n, numbers, req));
    }
    Ok(out)
}

/// Collects lines from `reader` until `limit` lines, end of file, or the byte cap.
/// `numbering` is the number of the first line when line numbers are shown (their
/// prefixes count towards the cap).
fn collect_lines<R: BufRead>(
    reader: &mut R,
    numbering: Option<usize>,
    limit: Option<usize>,
    req: &TextRequest,
) -> FsResult<Collected> {
    let mut got = Collected::default();
    let mut used = 0usize;
    let mut buf = Vec::new();
    while limit.is_none_or(|l| got.lines.len() < l) {
        let line_no = numbering.map(|first| first + got.lines.len());
        let prefix = line_no.map_or(0, prefix_len);
        let room = req.max_bytes.saturating_sub(used + prefix);
        buf.clear();
        // Read a little past the room so a line that just fits is seen whole.
        let end = read_line_bounded(reader, &mut buf, room.saturating_add(4))
            .map_err(|e| FsError::io(req.display, e))?;
        if buf.is_empty() && end == LineEnd::Eof {
            break;
        }
        let this_line = numbering.unwrap_or(1) + got.lines.len();
        if end != LineEnd::Cut && buf.len() <= room {
            let text = line_text(&buf, req.display, this_line)?;
            used += prefix + text.len();
            got.lines.push(text);
            if end == LineEnd::Eof {
                break;
            }
            continue;
        }
        got.truncated = true;
        if got.lines.is_empty() {
            got.lines
                .push(partial_text(&buf, room, req.display, this_line)?);
            got.partial = true;
        }
        break;
    }
    Ok(got)
}

/// A whole line as text, or `NotText`.
fn line_text(bytes: &[u8], display: &str, line_no: usize) -> FsResult<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| not_text(display, format!("invalid UTF-8 on line {line_no}")))
}

/// The start of a line cut by the cap, at most `room` bytes, ending on a character
/// boundary (a character cut by the read is dropped, not reported as invalid).
fn partial_text(bytes: &[u8], room: usize, display: &str, line_no: usize) -> FsResult<String> {
    let valid = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => {
            return Err(not_text(
                display,
                format!("invalid UTF-8 on line {line_no}"),
            ));
        }
    };
    Ok(valid[..floor_char_boundary(valid, room)].to_string())
}

/// The largest index `<= at` that is a character boundary of `s`.
fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

/// Reads one line (with its `\n`) into `buf`, but no more than `cap` bytes of it.
fn read_line_bounded<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<LineEnd> {
    loop {
        let avail = reader.fill_buf()?;
        if avail.is_empty() {
            return Ok(LineEnd::Eof);
        }
        let room = cap.saturating_sub(buf.len());
        if let Some(i) = avail.iter().position(|&b| b == b'\n')
            && i < room
        {
            buf.extend_from_slice(&avail[..=i]);
            reader.consume(i + 1);
            return Ok(LineEnd::Newline);
        }
        let take = avail.len().min(room);
        buf.extend_from_slice(&avail[..take]);
        reader.consume(take);
        if buf.len() >= cap {
            return Ok(LineEnd::Cut);
        }
    }
}

/// Skips up to `n` lines; returns how many were skipped (a final line without a
/// newline counts).
fn skip_lines<R: BufRead>(reader: &mut R, n: usize) -> io::Result<usize> {
    let mut skipped = 0;
    let mut in_line = false;
    while skipped < n {
        let avail = reader.fill_buf()?;
        if avail.is_empty() {
            if in_line {
                skipped += 1;
            }
            break;
        }
        match avail.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                skipped += 1;
                in_line = false;
            }
            None => {
                let len = avail.len();
                reader.consume(len);
                in_line = true;
            }
        }
    }
    Ok(skipped)
}

/// Byte offset where the last `n` lines of the file begin, found by reading
/// backwards `chunk` bytes at a time (only `\n` bytes are looked at, and those are
/// never part of a multi-byte character, so chunk edges cannot split anything).
fn tail_start<R: Read + Seek>(src: &mut R, size: u64, n: usize, chunk: usize) -> io::Result<u64> {
    if n == 0 || size == 0 {
        return Ok(size);
    }
    let mut last = [0u8; 1];
    src.seek(SeekFrom::Start(size - 1))?;
    src.read_exact(&mut last)?;
    // The newline ending the last line does not start another line.
    let mut pos = if last[0] == b'\n' { size - 1 } else { size };
    let mut need = n;
    let mut buf = vec![0u8; chunk];
    while pos > 0 {
        let start = pos.saturating_sub(chunk as u64);
        let len = (pos - start) as usize;
        src.seek(SeekFrom::Start(start))?;
        src.read_exact(&mut buf[..len])?;
        for i in (0..len).rev() {
            if buf[i] == b'\n' {
                need -= 1;
                if need == 0 {
                    return Ok(start + i as u64 + 1);
                }
            }
        }
        pos = start;
    }
    Ok(0)
}

/// Number of `\n` bytes in `[from, to)`.
fn count_newlines<R: Read + Seek>(
    src: &mut R,
    from: u64,
    to: u64,
    chunk: usize,
) -> io::Result<usize> {
    src.seek(SeekFrom::Start(from))?;
    let mut buf = vec![0u8; chunk.max(1)];
    let mut left = to.saturating_sub(from);
    let mut count = 0;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let got = src.read(&mut buf[..want])?;
        if got == 0 {
            break;
        }
        count += buf[..got].iter().filter(|&&b| b == b'\n').count();
        left -= got as u64;
    }
    Ok(count)
}

/// Number of lines in the file, or `None` when it is too large to count quickly.
fn total_lines<R: Read + Seek>(src: &mut R, size: u64) -> io::Result<Option<usize>> {
    if size > COUNT_LIMIT {
        return Ok(None);
    }
    if size == 0 {
        return Ok(Some(0));
    }
    let newlines = count_newlines(src, 0, size, CHUNK)?;
    let mut last = [0u8; 1];
    src.seek(SeekFrom::Start(size - 1))?;
    src.read_exact(&mut last)?;
    Ok(Some(newlines + usize::from(last[0] != b'\n')))
}

/// Length of the `cat -n` style prefix for line `n`: the number, then a tab.
fn prefix_len(n: usize) -> usize {
    n.to_string().len().max(NUMBER_WIDTH) + 1
}

/// Joins the lines, numbering them from `first` when asked.
fn render(lines: &[String], first: usize, line_numbers: bool) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if line_numbers {
            out.push_str(&format!("{:>width$}\t", first + i, width = NUMBER_WIDTH));
        }
        out.push_str(line);
    }
    out
}

/// The `[truncated: ...]` line after a forward read.
fn forward_notice(
    got: &Collected,
    first: usize,
    total: Option<usize>,
    next_limit: Option<usize>,
    req: &TextRequest,
) -> String {
    let last = first + got.lines.len() - 1;
    let next = last + 1;
    let of = total.map_or_else(
        || " of a file too large to count".to_string(),
        |t| format!(" of {t}"),
    );
    let mut fields = vec![format!("\"offset\": {next}")];
    if let Some(l) = next_limit {
        fields.push(format!("\"limit\": {l}"));
    }
    if req.line_numbers {
        fields.push("\"line_numbers\": true".into());
    }
    let what = if got.partial {
        format!(
            "line {last} is longer than the {} bytes cap and only its start is shown; showed lines {first}-{last}{of}",
            req.max_bytes
        )
    } else {
        format!(
            "showed lines {first}-{last}{of} ({} bytes cap)",
            req.max_bytes
        )
    };
    let next_step = if next_limit == Some(0) {
        "That was the last of the requested lines".to_string()
    } else if total.is_some_and(|t| next > t) {
        "There are no further lines".to_string()
    } else {
        format!("Continue with {}", continuation(req.arg, &fields))
    };
    notice(&what, &next_step, got)
}

/// The `[truncated: ...]` line after a tail read: the rest is the last `n - shown` lines.
fn tail_notice(
    got: &Collected,
    n: usize,
    numbers: Option<(usize, Option<usize>)>,
    req: &TextRequest,
) -> String {
    let shown = got.lines.len();
    let which = match numbers {
        Some((first, total)) => {
            let of = total.map_or_else(String::new, |t| format!(" of {t}"));
            format!("lines {first}-{}{of}, ", first + shown - 1)
        }
        None => String::new(),
    };
    let what = format!(
        "showed {which}the first {shown} of the last {n} lines ({} bytes cap){}",
        req.max_bytes,
        if got.partial {
            "; the first of them is too long and only its start is shown"
        } else {
            ""
        }
    );
    let mut fields = vec![format!("\"tail\": {}", n - shown)];
    if req.line_numbers {
        fields.push("\"line_numbers\": true".into());
    }
    let next_step = if n > shown {
        format!("Continue with {}", continuation(req.arg, &fields))
    } else {
        "There are no further lines".to_string()
    };
    notice(&what, &next_step, got)
}

/// Formats the notice on its own line.
fn notice(what: &str, next_step: &str, got: &Collected) -> String {
    let ends_with_newline = got.lines.last().is_none_or(|l| l.ends_with('\n'));
    let sep = if ends_with_newline { "" } else { "\n" };
    format!("{sep}[truncated: {what}. {next_step}]\n")
}

/// `{"path": ..., <fields>}` as the client would send it.
fn continuation(arg: &str, fields: &[String]) -> String {
    let path = serde_json::to_string(arg).unwrap_or_else(|_| format!("{arg:?}"));
    let mut all = vec![format!("\"path\": {path}")];
    all.extend(fields.iter().cloned());
    format!("{{{}}}", all.join(", "))
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Runs a text read over `content` with the given chunk size and cap.
    fn run(
        content: &str,
        range: Range,
        numbers: bool,
        max_bytes: usize,
        chunk: usize,
    ) -> FsResult<String> {
        let req = TextRequest {
            range,
            arg: "f.txt",
            display: "/r/f.txt",
            line_numbers: numbers,
            max_bytes,
            chunk,
        };
        read_text_from(Cursor::new(content.as_bytes().to_vec()), &req)
    }

    fn all() -> Range {
        Range::From {
            offset: 1,
            limit: None,
        }
    }

    fn head(n: usize) -> Range {
        Range::From {
            offset: 1,
            limit: Some(n),
        }
    }

    fn from(offset: usize, limit: Option<usize>) -> Range {
        Range::From { offset, limit }
    }

    const BIG: usize = 1 << 20;
    const CHARS: [&str; 4] = ["é", "€", "😀", "a"];

    /// Lines of `prefix_len` ASCII bytes followed by `ch`, so that `ch` straddles
    /// every position relative to a chunk edge as `prefix_len` varies.
    fn straddling(ch: &str, prefix_len: usize, lines: usize) -> String {
        (0..lines)
            .map(|i| format!("{}{ch}{i}\n", "x".repeat(prefix_len)))
            .collect()
    }

    #[test]
    fn whole_file_at_every_chunk_alignment() {
        for ch in CHARS {
            for pre in 0..12 {
                let text = straddling(ch, pre, 5);
                for chunk in 1..10 {
                    assert_eq!(
                        run(&text, all(), false, BIG, chunk).unwrap(),
                        text,
                        "{ch} {pre} {chunk}"
                    );
                }
            }
        }
    }

    #[test]
    fn head_and_offset_at_every_chunk_alignment() {
        for ch in CHARS {
            for pre in 0..9 {
                let text = straddling(ch, pre, 6);
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                for chunk in 1..9 {
                    assert_eq!(
                        run(&text, head(2), false, BIG, chunk).unwrap(),
                        lines[..2].concat()
                    );
                    assert_eq!(
                        run(&text, from(3, Some(2)), false, BIG, chunk).unwrap(),
                        lines[2..4].concat()
                    );
                    assert_eq!(
                        run(&text, from(5, None), false, BIG, chunk).unwrap(),
                        lines[4..].concat()
                    );
                }
            }
        }
    }

    #[test]
    fn tail_at_every_chunk_alignment() {
        for ch in CHARS {
            for pre in 0..9 {
                let text = straddling(ch, pre, 6);
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                for chunk in 1..12 {
                    for n in 0..=7 {
                        let want = lines[lines.len().saturating_sub(n)..].concat();
                        assert_eq!(
                            run(&text, Range::Tail(n), false, BIG, chunk).unwrap(),
                            want,
                            "{ch} {pre} {chunk} {n}"
                        );
                    }
                }
            }
        }
    }

    /// A source that counts the bytes read from it.
    struct Counting {
        inner: Cursor<Vec<u8>>,
        read: std::rc::Rc<std::cell::Cell<usize>>,
    }

    impl Read for Counting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read.set(self.read.get() + n);
            Ok(n)
        }
    }

    impl Seek for Counting {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    #[test]
    fn tail_of_a_large_file_reads_only_its_end() {
        let big = "some log line with text\n".repeat(200_000).into_bytes();
        let read = std::rc::Rc::new(std::cell::Cell::new(0));
        let src = Counting {
            inner: Cursor::new(big),
            read: read.clone(),
        };
        let req = TextRequest {
            range: Range::Tail(3),
            arg: "big.log",
            display: "/r/big.log",
            line_numbers: false,
            max_bytes: BIG,
            chunk: 4096,
        };
        let out = read_text_from(src, &req).unwrap();
        assert_eq!(out, "some log line with text\n".repeat(3));
        assert!(
            read.get() < SNIFF_BYTES + 3 * 4096,
            "read {} bytes",
            read.get()
        );
    }

    #[test]
    fn tail_finds_start_without_reading_everything() {
        let text = "a\nb\nc\n";
        let mut src = Cursor::new(text.as_bytes().to_vec());
        assert_eq!(tail_start(&mut src, 6, 1, 2).unwrap(), 4);
        assert_eq!(tail_start(&mut src, 6, 2, 2).unwrap(), 2);
        assert_eq!(tail_start(&mut src, 6, 9, 2).unwrap(), 0);
        let mut src = Cursor::new(b"a\nb".to_vec());
        assert_eq!(tail_start(&mut src, 3, 1, 1).unwrap(), 2);
    }

    #[test]
    fn byte_cap_never_splits_a_character() {
        for ch in CHARS {
            for pre in 0..6 {
                let text = straddling(ch, pre, 1).replace('\n', "").repeat(3);
                for cap in 0..text.len() {
                    for chunk in [1, 2, 3, 7, 64] {
                        let out = run(&text, all(), false, cap, chunk).unwrap();
                        let shown = out.split("\n[truncated").next().unwrap();
                        assert!(shown.len() <= cap, "{shown:?} over {cap}");
                        assert!(text.starts_with(shown));
                        assert!(out.contains("only its start is shown"), "{out}");
                    }
                }
            }
        }
    }

    #[test]
    fn byte_cap_with_numbers_and_ranges_never_splits_a_character() {
        for ch in CHARS {
            for pre in 0..5 {
                // Line 1 is short, line 2 is long and cut by the cap.
                let long = straddling(ch, pre, 1).replace('\n', "").repeat(3);
                let text = format!("ab\n{long}\ncd\n");
                for cap in 0..long.len() + 20 {
                    for chunk in [1, 2, 5, 64] {
                        for numbers in [false, true] {
                            for range in [from(2, None), Range::Tail(2)] {
                                let out = run(&text, range, numbers, cap, chunk).unwrap();
                                let shown = out.split("[truncated").next().unwrap();
                                // The notice starts on its own line: drop that newline.
                                let shown = shown.strip_suffix('\n').unwrap_or(shown);
                                // Only a line-number prefix may exceed a tiny cap.
                                assert!(shown.len() <= cap.max(7), "{shown:?} over {cap}");
                                let body = shown
                                    .replacen("     2\t", "", 1)
                                    .replacen("     3\t", "", 1);
                                let rest = format!("{long}\ncd\n");
                                assert!(rest.starts_with(&body), "{body:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn byte_cap_ends_at_a_line_boundary() {
        let text = "aaa\nbbb\nccc\nddd\n";
        let out = run(text, all(), false, 10, 3).unwrap();
        assert_eq!(
            out,
            "aaa\nbbb\n[truncated: showed lines 1-2 of 4 (10 bytes cap). Continue with {\"path\": \"f.txt\", \"offset\": 3}]\n"
        );
    }

    #[test]
    fn truncation_notice_keeps_limit_and_numbers() {
        let text = "aaa\nbbb\nccc\nddd\neee\n";
        let out = run(text, from(2, Some(3)), true, 21, 4).unwrap();
        assert_eq!(
            out,
            "     2\tbbb\n[truncated: showed lines 2-2 of 5 (21 bytes cap). Continue with {\"path\": \"f.txt\", \"offset\": 3, \"limit\": 2, \"line_numbers\": true}]\n"
        );
    }

    #[test]
    fn tail_truncation_notice_continues_with_tail() {
        let text = "aaa\nbbb\nccc\nddd\n";
        let out = run(text, Range::Tail(3), false, 9, 2).unwrap();
        assert_eq!(
            out,
            "bbb\nccc\n[truncated: showed lines 2-3 of 4, the first 2 of the last 3 lines (9 bytes cap). Continue with {\"path\": \"f.txt\", \"tail\": 1}]\n"
        );
    }

    #[test]
    fn partial_last_line_notice_says_no_more_lines() {
        let out = run("0123456789", all(), false, 4, 3).unwrap();
        assert_eq!(
            out,
            "0123\n[truncated: line 1 is longer than the 4 bytes cap and only its start is shown; showed lines 1-1 of 1. There are no further lines]\n"
        );
    }

    #[test]
    fn empty_file() {
        assert_eq!(run("", all(), false, BIG, 4).unwrap(), "");
        assert_eq!(run("", Range::Tail(5), true, BIG, 4).unwrap(), "");
        assert_eq!(run("", head(3), true, BIG, 4).unwrap(), "");
    }

    #[test]
    fn no_trailing_newline() {
        let text = "one\ntwo";
        assert_eq!(run(text, all(), false, BIG, 2).unwrap(), text);
        assert_eq!(run(text, Range::Tail(1), false, BIG, 2).unwrap(), "two");
        assert_eq!(
            run(text, from(2, None), true, BIG, 2).unwrap(),
            "     2\ttwo"
        );
        let err = run(text, from(3, None), false, BIG, 2).unwrap_err();
        assert!(err.to_string().contains("has 2 lines"), "{err}");
    }

    #[test]
    fn tail_larger_than_file() {
        let text = "a\nb\n";
        assert_eq!(run(text, Range::Tail(10), false, BIG, 1).unwrap(), text);
        assert_eq!(
            run(text, Range::Tail(10), true, BIG, 1).unwrap(),
            "     1\ta\n     2\tb\n"
        );
    }

    #[test]
    fn crlf_is_kept() {
        let text = "a\r\nb\r\n";
        assert_eq!(run(text, all(), false, BIG, 3).unwrap(), text);
        assert_eq!(run(text, Range::Tail(1), false, BIG, 3).unwrap(), "b\r\n");
    }

    #[test]
    fn line_numbers_like_cat_n() {
        let out = run("x\ny\n", all(), true, BIG, 8).unwrap();
        assert_eq!(out, "     1\tx\n     2\ty\n");
    }

    #[test]
    fn binary_is_not_text() {
        let req = TextRequest {
            range: all(),
            arg: "b",
            display: "/r/b",
            line_numbers: false,
            max_bytes: BIG,
            chunk: 4,
        };
        let err = read_text_from(Cursor::new(b"abc\0def".to_vec()), &req).unwrap_err();
        assert!(matches!(err, FsError::NotText { .. }));
        assert!(err.to_string().contains("read_media_file"));
        let err = read_text_from(Cursor::new(b"ok\n\xff\xfe\n".to_vec()), &req).unwrap_err();
        assert!(matches!(err, FsError::NotText { .. }));
        // Invalid UTF-8 beyond the sniffed prefix is caught on its line.
        let mut late = "a\n".repeat(SNIFF_BYTES).into_bytes();
        late.extend_from_slice(b"\xc3\x28\n");
        let err = read_text_from(Cursor::new(late), &req).unwrap_err();
        assert!(err.to_string().contains("line"), "{err}");
    }

    #[test]
    fn sniff_accepts_character_cut_by_prefix_end() {
        for ch in CHARS {
            for shift in 0..4 {
                let text = format!("{}{}", "x".repeat(SNIFF_BYTES - shift), ch.repeat(3));
                assert_eq!(run(&text, all(), false, BIG, 5).unwrap(), text);
            }
        }
    }
}
