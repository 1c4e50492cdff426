//! Text as the PNG charts must draw it. plotters draws characters one by one, left to right,
//! with no text shaping; Arabic written that way is unjoined and backwards. So a label with
//! Arabic letters is shaped here the way a shaping engine would for these letters: each letter
//! takes its contextual form (isolated, final, initial, medial) from the Arabic Presentation
//! Forms-B block, which DejaVu Sans draws, lam-alef becomes its ligature, and the line is put in
//! visual order by the Unicode bidirectional algorithm (`unicode-bidi`). Letters outside the
//! basic Arabic block (Persian and Urdu additions) keep their isolated form. The same text goes
//! into the SVG, wrapped in a left-to-right override so that a viewer shows it as drawn (the
//! override marks are zero-width, empty glyphs in DejaVu Sans).

/// How a letter joins: to both sides (dual), only to the letter before it (right), or not at
/// all; with its presentation forms (isolated, final, initial, medial).
#[derive(Clone, Copy)]
enum Joining {
    Dual([u32; 4]),
    Right([u32; 2]),
}

fn joining(c: char) -> Option<Joining> {
    use Joining::*;
    // the basic Arabic letters U+0621..U+064A and their forms in U+FE80..U+FEF4
    let right = |iso: u32| Some(Right([iso, iso + 1]));
    let dual = |iso: u32| Some(Dual([iso, iso + 1, iso + 2, iso + 3]));
    match c as u32 {
        0x0622 => right(0xFE81),
        0x0623 => right(0xFE83),
        0x0624 => right(0xFE85),
        0x0625 => right(0xFE87),
        0x0626 => dual(0xFE89),
        0x0627 => right(0xFE8D),
        0x0628 => dual(0xFE8F),
        0x0629 => right(0xFE93),
        0x062A..=0x062E => dual(0xFE95 + 4 * (c as u32 - 0x062A)),
        0x062F..=0x0632 => right(0xFEA9 + 2 * (c as u32 - 0x062F)),
        0x0633..=0x063A => dual(0xFEB1 + 4 * (c as u32 - 0x0633)),
        0x0640 => Some(Dual([0x0640; 4])),
        0x0641..=0x0647 => dual(0xFED1 + 4 * (c as u32 - 0x0641)),
        0x0648 => right(0xFEED),
        0x0649 => right(0xFEEF),
        0x064A => dual(0xFEF1),
        _ => None,
    }
}

/// Marks drawn over or under a letter (harakat): they do not break joining.
fn transparent(c: char) -> bool {
    matches!(c as u32, 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED)
}

/// The lam-alef ligature (isolated, final) for an alef after lam.
fn lam_alef(alef: char) -> Option<[u32; 2]> {
    match alef as u32 {
        0x0622 => Some([0xFEF5, 0xFEF6]),
        0x0623 => Some([0xFEF7, 0xFEF8]),
        0x0625 => Some([0xFEF9, 0xFEFA]),
        0x0627 => Some([0xFEFB, 0xFEFC]),
        _ => None,
    }
}

fn form(code: u32) -> char {
    char::from_u32(code).unwrap_or('\u{FFFD}')
}

/// Arabic letters in their contextual presentation forms (logical order kept).
pub fn shape_arabic(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    // the next letter after `i`, marks skipped
    let next = |i: usize| chars[i + 1..].iter().copied().find(|&c| !transparent(c));
    let mut out = String::with_capacity(text.len());
    // whether the last letter written joins to the one after it
    let mut joins_on = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if transparent(c) {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(j) = joining(c) else {
            out.push(c);
            joins_on = false;
            i += 1;
            continue;
        };
        if c == '\u{0644}' {
            let at = chars[i + 1..].iter().position(|&c| !transparent(c));
            if let Some(lig) = at.and_then(|k| lam_alef(chars[i + 1 + k])) {
                let k = i + 1 + at.unwrap_or(0);
                out.push(form(lig[usize::from(joins_on)]));
                // marks between lam and alef stay, after the ligature
                out.extend(chars[i + 1..k].iter());
                joins_on = false;
                i = k + 1;
                continue;
            }
        }
        let joins_next = matches!(j, Joining::Dual(_)) && next(i).and_then(joining).is_some();
        let shaped = match j {
            Joining::Right(f) => {
                let ch = form(f[usize::from(joins_on)]);
                joins_on = false;
                ch
            }
            Joining::Dual(f) => {
                let ch = form(match (joins_on, joins_next) {
                    (false, false) => f[0],
                    (true, false) => f[1],
                    (false, true) => f[2],
                    (true, true) => f[3],
                });
                joins_on = joins_next;
                ch
            }
        };
        out.push(shaped);
        i += 1;
    }
    out
}

/// Whether `text` needs shaping or reordering (Arabic or Hebrew letters).
fn right_to_left(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF))
}

/// Left-to-right override and its end.
const LRO: char = '\u{202D}';
const PDF: char = '\u{202C}';

/// `text` as it must be drawn left to right: Arabic shaped, right-to-left runs in visual
/// order, the whole held left to right. Text without Arabic or Hebrew is returned as it is.
pub fn for_drawing(text: &str) -> String {
    if !right_to_left(text) {
        return text.to_string();
    }
    let shaped = shape_arabic(text);
    let bidi = unicode_bidi::BidiInfo::new(&shaped, None);
    let visual: String = bidi
        .paragraphs
        .iter()
        .map(|p| bidi.reorder_line(p, p.range.clone()).into_owned())
        .collect();
    format!("{LRO}{visual}{PDF}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_letters_join_and_read_right_to_left() {
        // beh beh: initial then final
        assert_eq!(shape_arabic("\u{0628}\u{0628}"), "\u{FE91}\u{FE90}");
        // lam alef is one ligature
        assert_eq!(shape_arabic("\u{0644}\u{0627}"), "\u{FEFB}");
        // alef does not join to what follows: "اب" is isolated alef, isolated beh
        assert_eq!(shape_arabic("\u{0627}\u{0628}"), "\u{FE8D}\u{FE8F}");
        // beh teh beh: initial, medial, final
        assert_eq!(
            shape_arabic("\u{0628}\u{062A}\u{0628}"),
            "\u{FE91}\u{FE98}\u{FE90}"
        );
        // drawn left to right, the word's last letter comes first; Latin stays in order
        let drawn = for_drawing("taxi \u{0628}\u{062A}\u{0628}");
        assert_eq!(drawn, "\u{202D}taxi \u{FE90}\u{FE98}\u{FE91}\u{202C}");
        assert_eq!(for_drawing("計程車 taxi"), "計程車 taxi");
    }
}
