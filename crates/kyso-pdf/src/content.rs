//! A content-stream lexer: operands (parsed by the one object [`Parser`]) and operators.
//!
//! Used for page content, Form XObjects and ToUnicode CMaps. It never fails: bytes it cannot
//! read are skipped, a truncated stream simply ends, and inline image data (`BI … ID … EI`) is
//! stepped over.

use crate::object::Object;
use crate::parse::{self, Parser};

/// Operands kept before an operator; more are a hostile or broken stream and are dropped.
const MAX_OPERANDS: usize = 4096;

/// One item of a content stream.
enum Item<'a> {
    Operand(Object),
    Operator(&'a [u8]),
    /// Unreadable bytes were skipped (pending operands are discarded).
    Garbage,
}

/// Reads operators and their operands from decoded content-stream bytes.
pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Lexer<'a> {
        Lexer { data, pos: 0 }
    }

    /// The next operator, with its operands in `operands` (cleared first); `None` at the end.
    pub(crate) fn next_op(&mut self, operands: &mut Vec<Object>) -> Option<&'a [u8]> {
        operands.clear();
        loop {
            match self.item()? {
                Item::Operand(o) => {
                    if operands.len() < MAX_OPERANDS {
                        operands.push(o);
                    } else {
                        operands.clear();
                    }
                }
                Item::Garbage => operands.clear(),
                Item::Operator(b"BI") => {
                    self.skip_inline_image();
                    operands.clear();
                }
                Item::Operator(op) => return Some(op),
            }
        }
    }

    fn item(&mut self) -> Option<Item<'a>> {
        let mut p = Parser::new(self.data, self.pos);
        p.skip_ws();
        self.pos = p.pos;
        let b = *self.data.get(self.pos)?;
        match b {
            b'/' | b'(' | b'<' | b'[' | b'0'..=b'9' | b'+' | b'-' | b'.' => {
                let start = self.pos;
                let result = p.object();
                self.pos = if p.pos > start { p.pos } else { start + 1 };
                Some(match result {
                    Ok(o) => Item::Operand(o),
                    Err(_) => Item::Garbage,
                })
            }
            b')' | b'>' | b']' | b'{' | b'}' => {
                self.pos += 1;
                Some(Item::Garbage)
            }
            _ => {
                let token = p.token();
                if token.is_empty() {
                    self.pos += 1;
                    return Some(Item::Garbage);
                }
                self.pos = p.pos;
                Some(match token {
                    b"true" => Item::Operand(Object::Bool(true)),
                    b"false" => Item::Operand(Object::Bool(false)),
                    b"null" => Item::Operand(Object::Null),
                    op => Item::Operator(op),
                })
            }
        }
    }

    /// Steps over an inline image's dictionary and data, up to and including `EI`.
    fn skip_inline_image(&mut self) {
        loop {
            match self.item() {
                None => return,
                Some(Item::Operator(b"ID")) => break,
                Some(_) => {}
            }
        }
        // One whitespace byte follows `ID`; the data ends at whitespace + `EI` + whitespace/end.
        let mut from = self.pos.saturating_add(1);
        while let Some(rel) = self.data.get(from..).and_then(|d| parse::find(d, b"EI")) {
            let at = from + rel;
            let before = at
                .checked_sub(1)
                .and_then(|i| self.data.get(i))
                .is_some_and(|b| parse::is_whitespace(*b));
            let after = self
                .data
                .get(at + 2)
                .is_none_or(|b| parse::is_whitespace(*b));
            if before && after {
                self.pos = at + 2;
                return;
            }
            from = at + 2;
        }
        self.pos = self.data.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(data: &[u8]) -> Vec<(String, Vec<Object>)> {
        let mut lexer = Lexer::new(data);
        let mut operands = Vec::new();
        let mut out = Vec::new();
        while let Some(op) = lexer.next_op(&mut operands) {
            out.push((String::from_utf8_lossy(op).into_owned(), operands.clone()));
        }
        out
    }

    #[test]
    fn lexes_operators_and_operands() {
        let got = ops(b"BT /F1 12 Tf 1 0 0 1 72.5 -.5 Tm [(a) -250 <0041>] TJ T* (x\\)) ' ET");
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["BT", "Tf", "Tm", "TJ", "T*", "'", "ET"]);
        assert_eq!(got[1].1, vec![Object::name("F1"), Object::Int(12)]);
        assert_eq!(got[2].1.get(5), Some(&Object::Real(-0.5)));
        assert_eq!(
            got[3].1,
            vec![Object::Array(vec![
                Object::string(b"a"),
                Object::Int(-250),
                Object::string(b"\x00A"),
            ])]
        );
        assert_eq!(got[5].1, vec![Object::string(b"x)")]);
    }

    #[test]
    fn skips_inline_images_and_garbage() {
        let got = ops(b"q BI /W 2 /H 1 /BPC 8 /CS /G ID \x00EI\xff EI Q ) ] } 1 2 re %c\nS");
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["q", "Q", "re", "S"]);
        assert_eq!(got[2].1, vec![Object::Int(1), Object::Int(2)]);
    }

    #[test]
    fn truncated_streams_end() {
        for data in [
            &b"BT (abc"[..],
            b"BT [(a) 1",
            b"<00",
            b"BI /W 1 ID \x00\x00",
            b"<<",
        ] {
            let got = ops(data);
            assert!(got.len() <= 1, "{got:?}");
        }
    }
}
