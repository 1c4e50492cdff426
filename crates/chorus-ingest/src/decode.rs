//! Bytes of a source file -> text the parsers can trust: the BOM removed (UTF-16 with a BOM
//! decoded), CRLF and lone CR turned into LF, UTF-8 checked (with a Windows-1252 fallback and a warning naming the first bad line),
//! and binary or empty files refused before any parser sees them.

use super::problem::{Problem, ProblemKind};

/// A decoded source and what decoding noticed.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// `utf-8`, `utf-8 (bom)`, `utf-16le`, `utf-16be` or `windows-1252`.
    pub encoding: &'static str,
    pub warnings: Vec<Problem>,
}

/// Decodes `bytes` read from `file`. Errors are whole-file rejections.
pub fn decode(file: &str, bytes: &[u8]) -> Result<Decoded, Problem> {
    decode_owned(file, bytes.to_vec())
}

/// [`decode`], taking the bytes: UTF-8 without carriage returns becomes the text in place, so
/// a large file is never held twice.
pub fn decode_owned(file: &str, mut bytes: Vec<u8>) -> Result<Decoded, Problem> {
    // UTF-16 with its byte-order mark (spreadsheet "Unicode text" exports): NUL bytes are
    // half of every ASCII character there, not a sign of binary content
    for (bom, encoding, name) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "utf-16le"),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "utf-16be"),
    ] {
        if let Some(body) = bytes.as_slice().strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(body);
            let mut warnings = Vec::new();
            if had_errors {
                warnings.push(Problem::warning(
                    file,
                    None,
                    ProblemKind::NotUtf8,
                    format!("expected {name} after its byte-order mark, found invalid sequences: replaced with U+FFFD"),
                ));
            }
            let text = normalise_newlines(text.into_owned());
            if text.trim().is_empty() {
                return Err(Problem::reject(
                    file,
                    None,
                    ProblemKind::EmptyFile,
                    "the file is empty".to_string(),
                ));
            }
            return Ok(Decoded {
                text,
                encoding: name,
                warnings,
            });
        }
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Problem::reject(
            file,
            None,
            ProblemKind::EmptyFile,
            "the file is empty".to_string(),
        ));
    }
    if looks_binary(&bytes) {
        return Err(Problem::reject(
            file,
            None,
            ProblemKind::BinaryFile,
            "expected text, found binary content (NUL or control bytes); is this the right file?"
                .to_string(),
        ));
    }
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    if bom {
        bytes.drain(..3);
    }
    let mut warnings = Vec::new();
    let (text, encoding) = match String::from_utf8(bytes) {
        Ok(s) => (s, if bom { "utf-8 (bom)" } else { "utf-8" }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let body = e.into_bytes();
            let line = 1 + body[..valid].iter().filter(|&&b| b == b'\n').count() as u64;
            let (cow, _, _) = encoding_rs::WINDOWS_1252.decode(&body);
            warnings.push(Problem::warning(
                file,
                Some(line),
                ProblemKind::NotUtf8,
                "expected UTF-8, found invalid bytes; decoded the file as Windows-1252 (Latin-1): check accented letters".to_string(),
            ));
            (cow.into_owned(), "windows-1252")
        }
    };
    Ok(Decoded {
        text: normalise_newlines(text),
        encoding,
        warnings,
    })
}

/// NUL bytes, or many control bytes in the first 8 KiB, mean this is not a text file.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    control * 20 > head.len()
}

fn normalise_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Reads and decodes a file; an unreadable file is a whole-file rejection.
pub fn read_text(path: &std::path::Path, display: &str) -> Result<(Vec<u8>, Decoded), Problem> {
    let bytes = std::fs::read(path).map_err(|e| {
        Problem::reject(
            display,
            None,
            ProblemKind::Unreadable,
            format!("could not read the file: {e}"),
        )
    })?;
    let decoded = decode(display, &bytes)?;
    Ok((bytes, decoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_crlf() {
        let d = decode("a.txt", b"\xEF\xBB\xBFA: hi\r\nB: yo\r\n").unwrap();
        assert_eq!(d.text, "A: hi\nB: yo\n");
        assert_eq!(d.encoding, "utf-8 (bom)");
    }

    #[test]
    fn utf16_with_a_bom_is_text() {
        let mut le = vec![0xFF, 0xFE];
        le.extend(
            "id,answer\r\n1,Café\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        let d = decode("export.csv", &le).unwrap();
        assert_eq!(d.text, "id,answer\n1,Café\n");
        assert_eq!(d.encoding, "utf-16le");
        let mut be = vec![0xFE, 0xFF];
        be.extend("Ana: olá\n".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode("s.txt", &be).unwrap().text, "Ana: olá\n");
        // a BOM and nothing else is an empty file
        assert!(decode("e.csv", &[0xFF, 0xFE]).is_err());
    }

    #[test]
    fn latin1_fallback_warns_with_line() {
        let d = decode("a.txt", b"ok\nCaf\xe9 au lait\n").unwrap();
        assert_eq!(d.text, "ok\nCaf\u{e9} au lait\n");
        assert_eq!(d.warnings[0].line, Some(2));
    }

    #[test]
    fn empty_and_binary_refused() {
        assert_eq!(
            decode("a", b"  \n").unwrap_err().kind,
            ProblemKind::EmptyFile
        );
        assert_eq!(
            decode("a", b"PK\x03\x04\x00\x00").unwrap_err().kind,
            ProblemKind::BinaryFile
        );
    }
}
