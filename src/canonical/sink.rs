//! What the parser reports as it reads (the [`Sink`] trait), apart from the
//! parser, so the sinks (the streaming writer, the tree builder) depend on
//! it without depending on each other.

/// The decimal value of a number literal the parser has already checked
/// against the JSON grammar. Rust's `f64` parsing is correctly rounded,
/// like V8's, and overflows to infinity instead of failing.
pub(super) fn number_value(literal: &str) -> f64 {
    // The grammar check makes the literal valid for `f64::from_str`; NaN
    // (printed as `null`) is only a fallback that cannot be reached.
    literal.parse::<f64>().unwrap_or(f64::NAN)
}

/// What the parser reports, in document order. Container and member events
/// nest properly; a string is `string_begin`, any number of pieces, then
/// `string_end` (a value) or `key_end` (an object member's key).
pub(super) trait Sink {
    /// Deepest nesting of arrays and objects this sink accepts.
    const MAX_DEPTH: usize;

    fn null(&mut self);
    fn boolean(&mut self, value: bool);
    /// A literal matching `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self, literal: &str);

    fn string_begin(&mut self);
    /// Characters copied from the input: never `"`, `\` or a control character.
    fn string_run(&mut self, run: &str);
    /// A character written as an escape (a surrogate pair escape included).
    fn string_char(&mut self, c: char);
    /// A `\uXXXX` escape of a surrogate that is not part of a valid pair.
    fn string_lone_surrogate(&mut self, unit: u16);
    fn string_end(&mut self);
    /// Ends a string that is an object key; its value follows.
    fn key_end(&mut self);
    /// A whole string value without escapes, the common case: the same
    /// as `string_begin`, `string_run`, `string_end`, which is what it does
    /// unless a sink has a shorter way.
    fn plain_string(&mut self, text: &str) {
        begin_with(self, text);
        self.string_end();
    }
    /// A whole key without escapes; as `plain_string`, ending with `key_end`.
    fn plain_key(&mut self, text: &str) {
        begin_with(self, text);
        self.key_end();
    }

    fn array_begin(&mut self);
    fn array_end(&mut self);
    fn object_begin(&mut self);
    /// The value of the current object member is complete.
    fn member_end(&mut self);
    fn object_end(&mut self);
    /// A `,` between array elements or object members.
    fn comma(&mut self);
}

/// `string_begin`, then `text` as one run: the piecewise form of a plain string.
fn begin_with<S: Sink + ?Sized>(sink: &mut S, text: &str) {
    sink.string_begin();
    if !text.is_empty() {
        sink.string_run(text);
    }
}
