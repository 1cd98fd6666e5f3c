//! Turns FEEL source text into tokens with byte spans.
//!
//! Keywords are not distinguished here: every word is an [`TokenKind::Ident`] and the parser decides
//! from context whether `and`, `in`, `of`, ... is a keyword or part of a multi-word name such as
//! `date and time`. This mirrors FEEL's grammar, where names may contain keywords.

use crate::error::ParseError;
use crate::span::Span;

/// One lexical token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A word: letters, digits, `_`, `$`, starting with a letter, `_` or `$`.
    Ident(String),
    /// A name in backticks; never a keyword.
    QuotedIdent(String),
    /// The literal digits of a number, validated by the parser.
    Number(String),
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Dot,
    DotDot,
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Question,
    At,
    Arrow,
    Eof,
}

impl TokenKind {
    /// How the token is shown in parse error messages.
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Ident(s) => format!("'{s}'"),
            TokenKind::QuotedIdent(s) => format!("'`{s}`'"),
            TokenKind::Number(s) => format!("'{s}'"),
            TokenKind::Str(s) => format!("'\"{s}\"'"),
            TokenKind::Eof => "end of input".to_string(),
            other => format!("'{}'", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            TokenKind::LParen => "(",
            TokenKind::RParen => ")",
            TokenKind::LBracket => "[",
            TokenKind::RBracket => "]",
            TokenKind::LBrace => "{",
            TokenKind::RBrace => "}",
            TokenKind::Comma => ",",
            TokenKind::Colon => ":",
            TokenKind::Dot => ".",
            TokenKind::DotDot => "..",
            TokenKind::Plus => "+",
            TokenKind::Minus => "-",
            TokenKind::Star => "*",
            TokenKind::StarStar => "**",
            TokenKind::Slash => "/",
            TokenKind::Eq => "=",
            TokenKind::NotEq => "!=",
            TokenKind::Lt => "<",
            TokenKind::Le => "<=",
            TokenKind::Gt => ">",
            TokenKind::Ge => ">=",
            TokenKind::Question => "?",
            TokenKind::At => "@",
            TokenKind::Arrow => "->",
            _ => "",
        }
    }
}

/// DMN name characters: letters, `_`, `$` and (approximately the spec's ranges) any
/// non-ASCII character that is not whitespace or punctuation, so `größe` and emoji work.
fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$' || (!c.is_ascii() && !c.is_whitespace())
}

fn is_ident_part(c: char) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

/// Tokenizes the whole source. The last token is always [`TokenKind::Eof`].
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        src: source,
        pos: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    tokens: Vec<Token>,
}

impl<'s> Lexer<'s> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            span: Span::new(start, self.pos),
        });
    }

    fn error(&self, at: usize, expected: &str, found: String) -> ParseError {
        ParseError::new(self.src, at, expected, found, None)
    }

    /// Whether a `.` directly followed by a digit starts a number (`.5`) rather than a path.
    fn dot_starts_number(&self) -> bool {
        !matches!(
            self.tokens.last().map(|t| &t.kind),
            Some(
                TokenKind::Ident(_)
                    | TokenKind::QuotedIdent(_)
                    | TokenKind::RParen
                    | TokenKind::RBracket
                    | TokenKind::RBrace
                    | TokenKind::Str(_)
                    | TokenKind::Number(_)
                    | TokenKind::Question
            )
        )
    }

    fn run(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.bump();
                continue;
            }
            if c == '/' && self.peek_at(1) == Some('/') {
                while let Some(c) = self.peek() {
                    if c == '\n' {
                        break;
                    }
                    self.bump();
                }
                continue;
            }
            if c == '/' && self.peek_at(1) == Some('*') {
                self.pos += 2;
                match self.src[self.pos..].find("*/") {
                    Some(end) => self.pos += end + 2,
                    None => {
                        return Err(self.error(
                            start,
                            "the end of the comment '*/'",
                            "end of input".into(),
                        ))
                    }
                }
                continue;
            }
            if c.is_ascii_digit()
                || (c == '.'
                    && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())
                    && self.dot_starts_number())
            {
                self.number(start);
                continue;
            }
            if is_ident_start(c) {
                while self.peek().is_some_and(is_ident_part) {
                    self.bump();
                }
                let word = self.src[start..self.pos].to_string();
                self.push(TokenKind::Ident(word), start);
                continue;
            }
            match c {
                '"' => {
                    self.bump();
                    let s = self.string(start)?;
                    self.push(TokenKind::Str(s), start);
                }
                '`' => {
                    self.bump();
                    let name_start = self.pos;
                    match self.src[self.pos..].find('`') {
                        Some(end) => {
                            let name = self.src[name_start..name_start + end].to_string();
                            self.pos = name_start + end + 1;
                            self.push(TokenKind::QuotedIdent(name), start);
                        }
                        None => {
                            return Err(self.error(start, "a closing '`'", "end of input".into()))
                        }
                    }
                }
                _ => {
                    let kind = self.symbol(c, start)?;
                    self.push(kind, start);
                }
            }
        }
        let end = self.src.len();
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            span: Span::new(end, end),
        });
        Ok(())
    }

    fn symbol(&mut self, c: char, start: usize) -> Result<TokenKind, ParseError> {
        self.bump();
        let next = self.peek();
        let two = |lexer: &mut Self, kind: TokenKind| {
            lexer.bump();
            kind
        };
        Ok(match (c, next) {
            ('(', _) => TokenKind::LParen,
            (')', _) => TokenKind::RParen,
            ('[', _) => TokenKind::LBracket,
            (']', _) => TokenKind::RBracket,
            ('{', _) => TokenKind::LBrace,
            ('}', _) => TokenKind::RBrace,
            (',', _) => TokenKind::Comma,
            (':', _) => TokenKind::Colon,
            ('.', Some('.')) => two(self, TokenKind::DotDot),
            ('.', _) => TokenKind::Dot,
            ('+', _) => TokenKind::Plus,
            ('-', Some('>')) => two(self, TokenKind::Arrow),
            ('-', _) => TokenKind::Minus,
            ('*', Some('*')) => two(self, TokenKind::StarStar),
            ('*', _) => TokenKind::Star,
            ('/', _) => TokenKind::Slash,
            ('=', _) => TokenKind::Eq,
            ('!', Some('=')) => two(self, TokenKind::NotEq),
            ('<', Some('=')) => two(self, TokenKind::Le),
            ('<', _) => TokenKind::Lt,
            ('>', Some('=')) => two(self, TokenKind::Ge),
            ('>', _) => TokenKind::Gt,
            ('?', _) => TokenKind::Question,
            ('@', _) => TokenKind::At,
            (other, _) => {
                return Err(self.error(start, "an expression", format!("'{other}'")));
            }
        })
    }

    fn number(&mut self, start: usize) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        // A '.' belongs to the number only if a digit follows; `1..3` is a range.
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = matches!(self.peek_at(1), Some('+' | '-'));
            let digit_at = if sign { 2 } else { 1 };
            if self.peek_at(digit_at).is_some_and(|c| c.is_ascii_digit()) {
                for _ in 0..digit_at {
                    self.bump();
                }
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
            }
        }
        let text = self.src[start..self.pos].to_string();
        self.push(TokenKind::Number(text), start);
    }

    fn string(&mut self, start: usize) -> Result<String, ParseError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error(
                    start,
                    "a closing '\"' of the string",
                    "end of input".into(),
                ));
            };
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let esc_start = self.pos - 1;
                    match self.bump() {
                        Some('"') => out.push('"'),
                        Some('\'') => out.push('\''),
                        Some('\\') => out.push('\\'),
                        Some('n') => out.push('\n'),
                        Some('r') => out.push('\r'),
                        Some('t') => out.push('\t'),
                        Some('b') => out.push('\u{8}'),
                        Some('f') => out.push('\u{c}'),
                        Some('u') => {
                            let c = self.unicode_escape(esc_start, 4)?;
                            out.push(c);
                        }
                        Some('U') => {
                            let c = self.unicode_escape(esc_start, 6)?;
                            out.push(c);
                        }
                        // feel-scala keeps unknown escapes (for example regex escapes like `\d`) verbatim.
                        Some(other) => {
                            out.push('\\');
                            out.push(other);
                        }
                        None => {
                            return Err(self.error(
                                start,
                                "a closing '\"' of the string",
                                "end of input".into(),
                            ))
                        }
                    }
                }
                other => out.push(other),
            }
        }
    }

    /// Reads `digits` hex digits of a `\u`/`\U` escape; joins UTF-16 surrogate pairs written as
    /// two `\u` escapes.
    fn unicode_escape(&mut self, esc_start: usize, digits: usize) -> Result<char, ParseError> {
        let hex = self.hex(esc_start, digits)?;
        if (0xD800..0xDC00).contains(&hex) && self.src[self.pos..].starts_with("\\u") {
            let save = self.pos;
            self.pos += 2;
            let low = self.hex(esc_start, 4)?;
            if (0xDC00..0xE000).contains(&low) {
                let code = 0x10000 + ((hex - 0xD800) << 10) + (low - 0xDC00);
                if let Some(c) = char::from_u32(code) {
                    return Ok(c);
                }
            }
            self.pos = save;
        }
        char::from_u32(hex).ok_or_else(|| {
            self.error(
                esc_start,
                "a valid unicode escape",
                format!("'{}'", &self.src[esc_start..self.pos]),
            )
        })
    }

    fn hex(&mut self, esc_start: usize, digits: usize) -> Result<u32, ParseError> {
        let begin = self.pos;
        for _ in 0..digits {
            match self.peek() {
                Some(c) if c.is_ascii_hexdigit() => {
                    self.bump();
                }
                _ => {
                    return Err(self.error(
                        esc_start,
                        "a valid unicode escape",
                        format!("'{}'", &self.src[esc_start..self.pos]),
                    ))
                }
            }
        }
        u32::from_str_radix(&self.src[begin..self.pos], 16).map_err(|_| {
            self.error(
                esc_start,
                "a valid unicode escape",
                format!("'{}'", &self.src[esc_start..self.pos]),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn range_is_not_a_decimal_point() {
        assert_eq!(
            kinds("1..3"),
            vec![
                TokenKind::Number("1".into()),
                TokenKind::DotDot,
                TokenKind::Number("3".into()),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            kinds(r#""a\"b\n\u0041\d""#),
            vec![TokenKind::Str("a\"b\nA\\d".into()), TokenKind::Eof]
        );
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(
            kinds("1 // one\n + /* two */ 2"),
            vec![
                TokenKind::Number("1".into()),
                TokenKind::Plus,
                TokenKind::Number("2".into()),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn unterminated_string_reports_its_start() {
        let err = tokenize("x = \"abc").unwrap_err();
        assert_eq!(err.position.offset, 4);
    }
}
