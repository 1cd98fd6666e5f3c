//! Recursive-descent parser from tokens to the [`crate::ast`] tree.
//!
//! Precedence, lowest first: textual expressions (`if`, `for`, `some`/`every`, `function`),
//! `or`, `and`, comparison (`=`, `<`, `between`, `in`, `instance of`), `+ -`, `* /`, `**`,
//! unary `-`, postfix (path `.`, filter `[..]`, invocation `(..)`), primary. Binary operators
//! use precedence climbing so that each nesting level costs few stack frames.

use crate::ast::*;
use crate::error::ParseError;
use crate::lexer::{tokenize, Token, TokenKind};
use crate::number::Number;
use crate::span::Span;

/// Built-in function names made of several words (`date and time`, `string length`, ...).
/// They are only recognized directly before `(`, so a variable `date` followed by `and time`
/// still parses as a conjunction.
fn multi_word_functions() -> &'static [&'static str] {
    crate::builtins::multi_word_names()
}

/// Type names made of several words (for `instance of` and parameter annotations).
const MULTI_WORD_TYPES: &[&str] = &[
    "date and time",
    "date time",
    "days and time duration",
    "years and months duration",
];

/// Properties of ranges and temporal values whose names contain a space.
const MULTI_WORD_PROPERTIES: &[&str] = &["start included", "end included", "time offset"];

/// Words that cannot be used as a plain (unquoted) name: feel-scala's reserved words plus the
/// binary operators `and`/`or`. Other keywords (`then`, `some`, `of`, ...) are names wherever
/// they cannot start or continue their construct, as in feel-scala.
const RESERVED: &[&str] = &["true", "false", "null", "function", "in", "and", "or"];

/// Parses a complete expression.
pub(crate) fn parse_expression(source: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser::new(source)?;
    let expr = parser.expression()?;
    parser.expect_eof("an operator or the end of the expression")?;
    Ok(expr)
}

/// Parses unary tests as written in a decision table input entry.
pub(crate) fn parse_unary_tests(source: &str) -> Result<Vec<UnaryTest>, ParseError> {
    let mut parser = Parser::new(source)?;
    let tests = parser.top_level_unary_tests()?;
    parser.expect_eof("',' or the end of the unary tests")?;
    Ok(tests)
}

/// How deeply expressions may nest syntactically (parentheses, brackets, calls, ...).
/// Parsing recurses per level, so this bounds its stack use for input such as ten thousand `(`.
const MAX_NESTING: usize = 32;

/// How tall the syntax tree may grow (long operator chains like `a + b + ... + z` or
/// `a.b.c...` add a level per operator). Compiling and evaluating recurse along the tree.
const MAX_TREE_DEPTH: u32 = 256;

struct Parser<'s> {
    source: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn new(source: &'s str) -> Result<Self, ParseError> {
        Ok(Parser {
            source,
            tokens: tokenize(source)?,
            pos: 0,
            depth: 0,
        })
    }

    fn peek(&self) -> &TokenKind {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].kind
    }

    fn peek_at(&self, n: usize) -> &TokenKind {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)].kind
    }

    fn span(&self) -> Span {
        self.tokens[self.pos.min(self.tokens.len() - 1)].span
    }

    fn prev_span(&self) -> Span {
        self.tokens[self.pos.saturating_sub(1)].span
    }

    fn advance(&mut self) -> Token {
        let tok = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        tok
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), TokenKind::Ident(w) if w == word)
    }

    fn is_word_at(&self, n: usize, word: &str) -> bool {
        matches!(self.peek_at(n), TokenKind::Ident(w) if w == word)
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        if self.peek() == kind {
            self.advance();
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.is_word(word) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn error(&self, expected: &str) -> ParseError {
        ParseError::new(
            self.source,
            self.span().start,
            expected,
            self.peek().describe(),
            None,
        )
    }

    fn expect(&mut self, kind: TokenKind, expected: &str) -> Result<Span, ParseError> {
        if self.peek() == &kind {
            Ok(self.advance().span)
        } else {
            Err(self.error(expected))
        }
    }

    fn expect_word(&mut self, word: &str) -> Result<Span, ParseError> {
        if self.is_word(word) {
            Ok(self.advance().span)
        } else {
            Err(self.error(&format!("'{word}'")))
        }
    }

    fn expect_eof(&mut self, expected: &str) -> Result<(), ParseError> {
        if matches!(self.peek(), TokenKind::Eof) {
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    // ---------------------------------------------------------------- expressions

    fn expression(&mut self) -> Result<Expr, ParseError> {
        self.nested(Self::expression_inner)
    }

    /// Runs `f` one nesting level deeper, failing beyond [`MAX_NESTING`].
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Expr, ParseError>,
    ) -> Result<Expr, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(ParseError::new(
                self.source,
                self.span().start,
                "a less deeply nested expression",
                self.peek().describe(),
                Some(format!("expressions may nest at most {MAX_NESTING} levels")),
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        self.bounded(result?)
    }

    /// Rejects a subtree taller than [`MAX_TREE_DEPTH`].
    fn bounded(&self, expr: Expr) -> Result<Expr, ParseError> {
        if expr.depth > MAX_TREE_DEPTH {
            return Err(ParseError::new(
                self.source,
                expr.span.start,
                "a simpler expression",
                "an expression nested or chained too deeply".to_string(),
                Some(format!(
                    "expressions may be at most {MAX_TREE_DEPTH} operations deep"
                )),
            ));
        }
        Ok(expr)
    }

    /// Whether the tokens after the current one read `name in`, as in `for x in` or `some x in`.
    fn iteration_ahead(&self) -> bool {
        matches!(
            self.peek_at(1),
            TokenKind::Ident(_) | TokenKind::QuotedIdent(_)
        ) && self.is_word_at(2, "in")
    }

    /// Textual expressions (`if`, `for`, `some`/`every`, `function`) start at the primary
    /// level and extend as far right as possible, which gives them the lowest precedence.
    fn expression_inner(&mut self) -> Result<Expr, ParseError> {
        self.binary(1)
    }

    fn if_expression(&mut self) -> Result<Expr, ParseError> {
        let start = self.advance().span;
        let cond = self.expression()?;
        self.expect_word("then")?;
        let then = self.expression()?;
        self.expect_word("else")?;
        let otherwise = self.expression()?;
        let span = start.to(otherwise.span);
        Ok(Expr::new(
            ExprKind::If(Box::new(cond), Box::new(then), Box::new(otherwise)),
            span,
        ))
    }

    fn iterations(&mut self) -> Result<Vec<Iteration>, ParseError> {
        let mut iterations = Vec::new();
        loop {
            let name = self.name("a name for the iteration variable")?;
            self.expect_word("in")?;
            let first = self.expression_no_textual()?;
            let source = if self.eat(&TokenKind::DotDot) {
                let end = self.expression_no_textual()?;
                IterationSource::Range(first, end)
            } else {
                IterationSource::Expr(first)
            };
            iterations.push(Iteration { name, source });
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        Ok(iterations)
    }

    /// An iteration source: any expression except a top-level textual one ending in `..`.
    fn expression_no_textual(&mut self) -> Result<Expr, ParseError> {
        self.expression()
    }

    fn for_expression(&mut self) -> Result<Expr, ParseError> {
        let start = self.advance().span;
        let iterations = self.iterations()?;
        self.expect_word("return")?;
        let body = self.expression()?;
        let span = start.to(body.span);
        Ok(Expr::new(ExprKind::For(iterations, Box::new(body)), span))
    }

    fn quantified_expression(&mut self) -> Result<Expr, ParseError> {
        let tok = self.advance();
        let quantifier = if matches!(&tok.kind, TokenKind::Ident(w) if w == "some") {
            Quantifier::Some
        } else {
            Quantifier::Every
        };
        let iterations = self.iterations()?;
        self.expect_word("satisfies")?;
        let cond = self.expression()?;
        let span = tok.span.to(cond.span);
        Ok(Expr::new(
            ExprKind::Quantified(quantifier, iterations, Box::new(cond)),
            span,
        ))
    }

    fn compare_op(&self) -> Option<CompareOp> {
        Some(match self.peek() {
            TokenKind::Eq => CompareOp::Eq,
            TokenKind::NotEq => CompareOp::NotEq,
            TokenKind::Lt => CompareOp::Lt,
            TokenKind::Le => CompareOp::Le,
            TokenKind::Gt => CompareOp::Gt,
            TokenKind::Ge => CompareOp::Ge,
            _ => return None,
        })
    }

    /// Binary operators by precedence climbing (one recursion per operator, not per level):
    /// `or` (1) < `and` (2) < comparisons, `between`, `in`, `instance of` (3) < `+ -` (4) <
    /// `* /` (5) < `**` (6). All are left-associative.
    fn binary(&mut self, min_precedence: u8) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        loop {
            let precedence = self.binary_precedence();
            if precedence == 0 || precedence < min_precedence {
                return Ok(left);
            }
            left = self.binary_operation(left, precedence)?;
            left = self.bounded(left)?;
        }
    }

    /// Precedence of the binary operator at the current token, 0 if there is none.
    fn binary_precedence(&self) -> u8 {
        match self.peek() {
            TokenKind::Ident(w) => match w.as_str() {
                "or" => 1,
                "and" => 2,
                "between" | "in" => 3,
                "instance" if self.is_word_at(1, "of") => 3,
                _ => 0,
            },
            TokenKind::Eq
            | TokenKind::NotEq
            | TokenKind::Lt
            | TokenKind::Le
            | TokenKind::Gt
            | TokenKind::Ge => 3,
            TokenKind::Plus | TokenKind::Minus => 4,
            TokenKind::Star | TokenKind::Slash => 5,
            TokenKind::StarStar => 6,
            _ => 0,
        }
    }

    /// Parses the operator at the current token and its right side.
    fn binary_operation(&mut self, left: Expr, precedence: u8) -> Result<Expr, ParseError> {
        if precedence == 3 {
            return self.comparison(left);
        }
        let operator = self.advance().kind;
        let right = self.binary(precedence + 1)?;
        let span = left.span.to(right.span);
        let (left, right) = (Box::new(left), Box::new(right));
        let kind = match operator {
            TokenKind::Ident(w) if w == "or" => ExprKind::Or(left, right),
            TokenKind::Ident(_) => ExprKind::And(left, right),
            TokenKind::Plus => ExprKind::Binary(BinaryOp::Add, left, right),
            TokenKind::Minus => ExprKind::Binary(BinaryOp::Sub, left, right),
            TokenKind::Star => ExprKind::Binary(BinaryOp::Mul, left, right),
            TokenKind::Slash => ExprKind::Binary(BinaryOp::Div, left, right),
            _ => ExprKind::Binary(BinaryOp::Pow, left, right),
        };
        Ok(Expr::new(kind, span))
    }

    /// `left = right`, `left between a and b`, `left in tests`, `left instance of type`.
    fn comparison(&mut self, left: Expr) -> Result<Expr, ParseError> {
        if let Some(op) = self.compare_op() {
            self.advance();
            let right = self.binary(4)?;
            let span = left.span.to(right.span);
            return Ok(Expr::new(
                ExprKind::Compare(op, Box::new(left), Box::new(right)),
                span,
            ));
        }
        if self.eat_word("between") {
            let low = self.binary(4)?;
            self.expect_word("and")?;
            let high = self.binary(4)?;
            let span = left.span.to(high.span);
            return Ok(Expr::new(
                ExprKind::Between(Box::new(left), Box::new(low), Box::new(high)),
                span,
            ));
        }
        if self.eat_word("in") {
            let tests = self.in_tests()?;
            let span = left.span.to(self.prev_span());
            return Ok(Expr::new(ExprKind::In(Box::new(left), tests), span));
        }
        self.advance();
        self.advance();
        let ty = self.type_ref()?;
        let span = left.span.to(self.prev_span());
        Ok(Expr::new(ExprKind::InstanceOf(Box::new(left), ty), span))
    }

    /// The right side of `in`: one positive unary test, or a parenthesized list of them.
    fn in_tests(&mut self) -> Result<Vec<UnaryTest>, ParseError> {
        if matches!(self.peek(), TokenKind::LParen) {
            // `(1..5)` is a range and `(x)` a parenthesized expression; `(1, 2)` is a test list.
            let save = self.pos;
            if let Ok(expr) = self.binary(4) {
                if !matches!(self.peek(), TokenKind::Comma) {
                    return Ok(vec![UnaryTest::Expr(expr)]);
                }
            }
            self.pos = save;
            self.advance();
            let tests = self.positive_unary_tests()?;
            self.expect(TokenKind::RParen, "')' or ','")?;
            return Ok(tests);
        }
        Ok(vec![self.positive_unary_test()?])
    }

    fn positive_unary_tests(&mut self) -> Result<Vec<UnaryTest>, ParseError> {
        let mut tests = vec![self.positive_unary_test()?];
        while self.eat(&TokenKind::Comma) {
            tests.push(self.positive_unary_test()?);
        }
        Ok(tests)
    }

    fn positive_unary_test(&mut self) -> Result<UnaryTest, ParseError> {
        if let Some(op) = self.compare_op() {
            self.advance();
            let operand = self.binary(4)?;
            return Ok(UnaryTest::Compare(op, operand));
        }
        Ok(UnaryTest::Expr(self.expression()?))
    }

    /// Unary tests of a decision table cell: `-`, `not(...)`, or positive tests.
    fn top_level_unary_tests(&mut self) -> Result<Vec<UnaryTest>, ParseError> {
        if matches!(self.peek(), TokenKind::Minus) && matches!(self.peek_at(1), TokenKind::Eof) {
            self.advance();
            return Ok(vec![UnaryTest::Any]);
        }
        if matches!(self.peek(), TokenKind::Eof) {
            return Ok(vec![UnaryTest::Any]);
        }
        if self.is_word("not") && matches!(self.peek_at(1), TokenKind::LParen) {
            let save = self.pos;
            self.advance();
            self.advance();
            if let Ok(tests) = self.positive_unary_tests() {
                if self.eat(&TokenKind::RParen) && matches!(self.peek(), TokenKind::Eof) {
                    return Ok(vec![UnaryTest::Not(tests)]);
                }
            }
            self.pos = save;
        }
        self.positive_unary_tests()
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        // Iterative, so that `- - - ... 1` cannot exhaust the stack.
        let mut signs = Vec::new();
        while matches!(self.peek(), TokenKind::Minus) {
            if signs.len() >= MAX_NESTING {
                return Err(ParseError::new(
                    self.source,
                    self.span().start,
                    "an operand",
                    self.peek().describe(),
                    Some(format!("at most {MAX_NESTING} signs may be chained")),
                ));
            }
            signs.push(self.advance().span);
        }
        let mut expr = self.postfix()?;
        for start in signs.into_iter().rev() {
            let span = start.to(expr.span);
            // Fold `-5` directly so that literals like `-1` are constants without a runtime op.
            expr = match expr.kind {
                ExprKind::Number(n) => Expr::new(ExprKind::Number(n.neg()), span),
                kind => Expr::new(ExprKind::Neg(Box::new(Expr::new(kind, expr.span))), span),
            };
        }
        Ok(expr)
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut expr = self.primary()?;
        loop {
            match self.peek() {
                TokenKind::Dot => {
                    self.advance();
                    let name = self.path_name()?;
                    let span = expr.span.to(self.prev_span());
                    expr = self.bounded(Expr::new(ExprKind::Path(Box::new(expr), name), span))?;
                }
                // `[1..10[` ends a range with `[`; a filter needs an expression after `[`.
                TokenKind::LBracket if can_start_expression(self.peek_at(1)) => {
                    self.advance();
                    let filter = self.expression()?;
                    let end = self.expect(TokenKind::RBracket, "']'")?;
                    let span = expr.span.to(end);
                    expr = self.bounded(Expr::new(
                        ExprKind::Filter(Box::new(expr), Box::new(filter)),
                        span,
                    ))?;
                }
                TokenKind::LParen => {
                    self.advance();
                    let args = self.arguments()?;
                    let span = expr.span.to(self.prev_span());
                    expr = self.bounded(Expr::new(ExprKind::Call(Box::new(expr), args), span))?;
                }
                _ => return Ok(expr),
            }
        }
    }

    /// A name after `.`: any word (keywords allowed, e.g. `x.type`) or a quoted name.
    fn path_name(&mut self) -> Result<String, ParseError> {
        if let Some(n) = self.multi_word_ahead(MULTI_WORD_PROPERTIES, false) {
            return Ok(self.join_words(n));
        }
        match self.peek().clone() {
            TokenKind::Ident(w) | TokenKind::QuotedIdent(w) => {
                self.advance();
                Ok(w)
            }
            _ => Err(self.error("a name after '.'")),
        }
    }

    /// Arguments after `(` up to and including `)`.
    fn arguments(&mut self) -> Result<Args, ParseError> {
        if self.eat(&TokenKind::RParen) {
            return Ok(Args::Positional(Vec::new()));
        }
        if self.named_argument_ahead().is_some() {
            let mut named = Vec::new();
            loop {
                let Some(words) = self.named_argument_ahead() else {
                    return Err(self.error("a named argument"));
                };
                let name = self.join_words(words);
                self.expect(TokenKind::Colon, "':'")?;
                let value = self.expression()?;
                named.push((name, value));
                if self.eat(&TokenKind::RParen) {
                    return Ok(Args::Named(named));
                }
                self.expect(TokenKind::Comma, "',' or ')'")?;
            }
        }
        let mut positional = Vec::new();
        loop {
            positional.push(self.expression()?);
            if self.eat(&TokenKind::RParen) {
                return Ok(Args::Positional(positional));
            }
            self.expect(TokenKind::Comma, "',' or ')'")?;
        }
    }

    /// If the next tokens are `word+ :` returns how many words.
    fn named_argument_ahead(&self) -> Option<usize> {
        let mut n = 0;
        loop {
            match self.peek_at(n) {
                TokenKind::Ident(_) => n += 1,
                TokenKind::QuotedIdent(_) if n == 0 => {
                    return matches!(self.peek_at(1), TokenKind::Colon).then_some(1)
                }
                TokenKind::Colon if n > 0 => return Some(n),
                _ => return None,
            }
        }
    }

    /// Consumes `count` word tokens and joins them with single spaces.
    fn join_words(&mut self, count: usize) -> String {
        let mut words = Vec::with_capacity(count);
        for _ in 0..count {
            match self.advance().kind {
                TokenKind::Ident(w) | TokenKind::QuotedIdent(w) => words.push(w),
                _ => {}
            }
        }
        words.join(" ")
    }

    /// A plain or quoted name that is not a reserved word.
    fn name(&mut self, expected: &str) -> Result<String, ParseError> {
        match self.peek().clone() {
            TokenKind::Ident(w) if !RESERVED.contains(&w.as_str()) => {
                self.advance();
                Ok(w)
            }
            TokenKind::QuotedIdent(w) => {
                self.advance();
                Ok(w)
            }
            _ => Err(self.error(expected)),
        }
    }

    /// Length (in tokens) of a multi-word name from `candidates` starting here.
    fn multi_word_ahead(&self, candidates: &[&str], require_paren: bool) -> Option<usize> {
        let TokenKind::Ident(first) = self.peek() else {
            return None;
        };
        let mut best: Option<usize> = None;
        for candidate in candidates {
            // Cheap pre-check on the first word before splitting.
            if !candidate.starts_with(first.as_str())
                || candidate.as_bytes().get(first.len()) != Some(&b' ')
            {
                continue;
            }
            let words: Vec<&str> = candidate.split(' ').collect();
            let matches = words.iter().enumerate().all(|(i, w)| self.is_word_at(i, w));
            if matches
                && (!require_paren || matches!(self.peek_at(words.len()), TokenKind::LParen))
                && best.is_none_or(|b| words.len() > b)
            {
                best = Some(words.len());
            }
        }
        best
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let span = self.span();
        match self.peek().clone() {
            TokenKind::Number(text) => {
                self.advance();
                let n = parse_number(&text).ok_or_else(|| {
                    ParseError::new(
                        self.source,
                        span.start,
                        "a number",
                        format!("'{text}'"),
                        Some("the number is out of range".into()),
                    )
                })?;
                Ok(Expr::new(ExprKind::Number(n), span))
            }
            TokenKind::Str(s) => {
                self.advance();
                Ok(Expr::new(ExprKind::Str(s), span))
            }
            TokenKind::At => {
                self.advance();
                match self.peek().clone() {
                    // feel-scala turns an invalid temporal literal into null, not an error.
                    TokenKind::Str(s) => {
                        let end = self.advance().span;
                        Ok(Expr::new(ExprKind::Temporal(s), span.to(end)))
                    }
                    _ => Err(self.error("a string after '@'")),
                }
            }
            TokenKind::Question => {
                self.advance();
                Ok(Expr::new(ExprKind::Input, span))
            }
            TokenKind::LBracket => self.bracket(),
            TokenKind::RBracket => {
                // `]a..b]`: a range excluding its start.
                self.advance();
                self.range_rest(span, false)
            }
            TokenKind::LParen => {
                self.advance();
                if let Some(op @ (CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge)) =
                    self.compare_op()
                {
                    self.advance();
                    let bound = self.binary(4)?;
                    let end = self.expect(TokenKind::RParen, "')'")?;
                    return Ok(Expr::new(
                        ExprKind::UnaryRange(op, Box::new(bound)),
                        span.to(end),
                    ));
                }
                let inner = self.expression()?;
                if matches!(self.peek(), TokenKind::DotDot) {
                    return self.range_after_start(span, false, inner);
                }
                let end = self.expect(TokenKind::RParen, "')'")?;
                Ok(Expr::new(inner.kind, span.to(end)))
            }
            TokenKind::LBrace => self.context(),
            TokenKind::QuotedIdent(name) => {
                self.advance();
                Ok(Expr::new(ExprKind::Name(name), span))
            }
            TokenKind::Ident(word) => self.word(word, span),
            _ => Err(self.error("an expression")),
        }
    }

    fn word(&mut self, word: String, span: Span) -> Result<Expr, ParseError> {
        match word.as_str() {
            "true" => {
                self.advance();
                return Ok(Expr::new(ExprKind::Bool(true), span));
            }
            "false" => {
                self.advance();
                return Ok(Expr::new(ExprKind::Bool(false), span));
            }
            "null" => {
                self.advance();
                return Ok(Expr::new(ExprKind::Null, span));
            }
            "if" => return self.if_expression(),
            "for" if self.iteration_ahead() => return self.for_expression(),
            "some" | "every" if self.iteration_ahead() => return self.quantified_expression(),
            "function" if matches!(self.peek_at(1), TokenKind::LParen) => {
                return self.function_definition();
            }
            // feel-scala's list functions `and(...)` / `or(...)` (aliases of `all`/`any`).
            "and" | "or" if matches!(self.peek_at(1), TokenKind::LParen) => {
                self.advance();
                return Ok(Expr::new(ExprKind::Name(word), span));
            }
            _ => {}
        }
        if let Some(n) = self.multi_word_ahead(multi_word_functions(), true) {
            let name = self.join_words(n);
            return Ok(Expr::new(ExprKind::Name(name), span.to(self.prev_span())));
        }
        if RESERVED.contains(&word.as_str()) {
            return Err(self.error("an expression"));
        }
        self.advance();
        Ok(Expr::new(ExprKind::Name(word), span))
    }

    fn function_definition(&mut self) -> Result<Expr, ParseError> {
        let start = self.advance().span;
        self.expect(TokenKind::LParen, "'('")?;
        let mut params = Vec::new();
        if !self.eat(&TokenKind::RParen) {
            loop {
                let name = self.name("a parameter name")?;
                let ty = if self.eat(&TokenKind::Colon) {
                    Some(self.type_ref()?)
                } else {
                    None
                };
                params.push((name, ty));
                if self.eat(&TokenKind::RParen) {
                    break;
                }
                self.expect(TokenKind::Comma, "',' or ')'")?;
            }
        }
        let external = self.eat_word("external");
        let body = self.expression()?;
        let span = start.to(body.span);
        Ok(Expr::new(
            ExprKind::FunctionDef {
                params,
                body: Box::new(body),
                external,
            },
            span,
        ))
    }

    fn type_ref(&mut self) -> Result<TypeRef, ParseError> {
        if let Some(n) = self.multi_word_ahead(MULTI_WORD_TYPES, false) {
            return Ok(TypeRef::Named(self.join_words(n)));
        }
        let name = match self.peek().clone() {
            TokenKind::Ident(w) | TokenKind::QuotedIdent(w) => {
                self.advance();
                w
            }
            _ => return Err(self.error("a type name")),
        };
        if !matches!(self.peek(), TokenKind::Lt) {
            return Ok(TypeRef::Named(name));
        }
        self.advance();
        let ty = match name.as_str() {
            "list" => TypeRef::List(Box::new(self.type_ref()?)),
            "range" => TypeRef::Range(Box::new(self.type_ref()?)),
            "context" => {
                let mut entries = Vec::new();
                loop {
                    let key = self.name("an entry name")?;
                    self.expect(TokenKind::Colon, "':'")?;
                    entries.push((key, self.type_ref()?));
                    if !self.eat(&TokenKind::Comma) {
                        break;
                    }
                }
                TypeRef::Context(entries)
            }
            "function" => {
                let mut params = Vec::new();
                if !matches!(self.peek(), TokenKind::Gt) {
                    loop {
                        params.push(self.type_ref()?);
                        if !self.eat(&TokenKind::Comma) {
                            break;
                        }
                    }
                }
                self.expect(TokenKind::Gt, "'>'")?;
                self.expect(TokenKind::Arrow, "'->'")?;
                let result = self.type_ref()?;
                return Ok(TypeRef::Function(params, Box::new(result)));
            }
            _ => return Err(self.error("a type name")),
        };
        self.expect(TokenKind::Gt, "'>'")?;
        Ok(ty)
    }

    /// After `[`: a list or a range with a closed start.
    fn bracket(&mut self) -> Result<Expr, ParseError> {
        let start = self.advance().span;
        if self.eat(&TokenKind::RBracket) {
            return Ok(Expr::new(
                ExprKind::List(Vec::new()),
                start.to(self.prev_span()),
            ));
        }
        let first = self.expression()?;
        if matches!(self.peek(), TokenKind::DotDot) {
            return self.range_after_start(start, true, first);
        }
        let mut items = vec![first];
        loop {
            if self.eat(&TokenKind::RBracket) {
                return Ok(Expr::new(ExprKind::List(items), start.to(self.prev_span())));
            }
            self.expect(TokenKind::Comma, "',' or ']'")?;
            items.push(self.expression()?);
        }
    }

    fn range_rest(&mut self, start: Span, start_closed: bool) -> Result<Expr, ParseError> {
        let low = self.expression()?;
        self.range_after_start(start, start_closed, low)
    }

    fn range_after_start(
        &mut self,
        start: Span,
        start_closed: bool,
        low: Expr,
    ) -> Result<Expr, ParseError> {
        self.expect(TokenKind::DotDot, "'..'")?;
        let high = self.expression()?;
        let end_closed = match self.peek() {
            TokenKind::RBracket => true,
            TokenKind::RParen | TokenKind::LBracket => false,
            _ => return Err(self.error("']', ')' or '[' to close the range")),
        };
        let end = self.advance().span;
        Ok(Expr::new(
            ExprKind::Range {
                start: Box::new(low),
                start_closed,
                end: Box::new(high),
                end_closed,
            },
            start.to(end),
        ))
    }

    fn context(&mut self) -> Result<Expr, ParseError> {
        let start = self.advance().span;
        let mut entries = Vec::new();
        if self.eat(&TokenKind::RBrace) {
            return Ok(Expr::new(
                ExprKind::Context(entries),
                start.to(self.prev_span()),
            ));
        }
        loop {
            let key = match self.peek().clone() {
                TokenKind::Str(s) => {
                    self.advance();
                    s
                }
                TokenKind::QuotedIdent(s) => {
                    self.advance();
                    s
                }
                TokenKind::Ident(_) => {
                    // DMN names may contain spaces, keywords and `+ - * / . '`:
                    // `{first name: "x"}`, `{foo+bar: 1}`. The key is the source text.
                    let mut n = 0;
                    while matches!(
                        self.peek_at(n),
                        TokenKind::Ident(_)
                            | TokenKind::Plus
                            | TokenKind::Minus
                            | TokenKind::Star
                            | TokenKind::Slash
                            | TokenKind::Dot
                    ) {
                        n += 1;
                    }
                    if !matches!(self.peek_at(n), TokenKind::Colon) {
                        self.pos += n;
                        return Err(self.error("':'"));
                    }
                    let first = self.span();
                    self.pos += n;
                    let last = self.prev_span();
                    let raw = &self.source[first.start..last.end];
                    raw.split_whitespace().collect::<Vec<_>>().join(" ")
                }
                _ => return Err(self.error("a context entry name")),
            };
            self.expect(TokenKind::Colon, "':'")?;
            let value = self.expression()?;
            entries.push((key, value));
            if self.eat(&TokenKind::RBrace) {
                return Ok(Expr::new(
                    ExprKind::Context(entries),
                    start.to(self.prev_span()),
                ));
            }
            self.expect(TokenKind::Comma, "',' or '}'")?;
        }
    }
}

/// Whether a token can begin an expression (used to tell a filter `[` from a range end `[`).
fn can_start_expression(kind: &TokenKind) -> bool {
    match kind {
        TokenKind::Ident(w) => !matches!(
            w.as_str(),
            "and" | "or" | "then" | "else" | "return" | "satisfies" | "between" | "instance"
        ),
        TokenKind::QuotedIdent(_)
        | TokenKind::Number(_)
        | TokenKind::Str(_)
        | TokenKind::LParen
        | TokenKind::LBracket
        | TokenKind::RBracket
        | TokenKind::LBrace
        | TokenKind::Minus
        | TokenKind::Question
        | TokenKind::At => true,
        _ => false,
    }
}

fn parse_number(text: &str) -> Option<Number> {
    Number::parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(src: &str) -> ExprKind {
        parse_expression(src).unwrap().kind
    }

    #[test]
    fn multi_word_function_names_only_before_paren() {
        assert!(
            matches!(kind("date and time(\"x\")"), ExprKind::Call(f, _) if f.kind == ExprKind::Name("date and time".into()))
        );
        assert!(matches!(kind("date and time"), ExprKind::And(_, _)));
    }

    #[test]
    fn named_arguments_with_spaces() {
        let ExprKind::Call(_, Args::Named(args)) =
            kind("substring(string: \"abc\", start position: 2)")
        else {
            panic!("expected a call with named arguments");
        };
        assert_eq!(args[1].0, "start position");
    }

    #[test]
    fn ranges() {
        assert!(matches!(
            kind("[1..5)"),
            ExprKind::Range {
                start_closed: true,
                end_closed: false,
                ..
            }
        ));
        assert!(matches!(
            kind("]1..5]"),
            ExprKind::Range {
                start_closed: false,
                end_closed: true,
                ..
            }
        ));
        assert!(matches!(
            kind("(1..5)"),
            ExprKind::Range {
                start_closed: false,
                end_closed: false,
                ..
            }
        ));
    }

    #[test]
    fn error_position_points_at_the_problem() {
        let err = parse_expression("a >").unwrap_err();
        assert_eq!(err.position.offset, 3);
        assert_eq!(err.expected, "an expression");
        assert_eq!(err.found, "end of input");
        let err = parse_expression("if x then 1").unwrap_err();
        assert_eq!(err.expected, "'else'");
        let err = parse_expression("x\n  + )").unwrap_err();
        assert_eq!((err.position.line, err.position.column), (2, 5));
    }

    #[test]
    fn spans_cover_the_source() {
        let e = parse_expression("a.b + 1").unwrap();
        assert_eq!(e.span, Span::new(0, 7));
    }
}
