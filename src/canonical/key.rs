//! Object keys, kept inside the member when short.
//!
//! Nearly every key of a webhook payload is a short identifier
//! (`"pluginId"`, `"severity"`). Storing those in the member itself, not
//! in a heap `String` of their own, removes close to half the allocations
//! a parsed payload costs (a 1.5 KB `issue.updated`: 60 of 137), and
//! allocation is most of what parsing a tree costs.

use std::fmt;

/// Keys up to this many bytes are stored inline: with the length byte and
/// the variant tag, a `Key` is 24 bytes, the size of a `String`.
const INLINE_CAPACITY: usize = 22;

/// An object key. Compares, hashes and prints as its text.
#[derive(Clone)]
pub(super) struct Key(Repr);

#[derive(Clone)]
enum Repr {
    /// The first `len` bytes of `bytes`, always whole UTF-8 text.
    Inline {
        len: u8,
        bytes: [u8; INLINE_CAPACITY],
    },
    Heap(Box<str>),
}

impl Key {
    /// A key holding a copy of `text`; allocates only past 22 bytes.
    pub(super) fn new(text: &str) -> Key {
        let mut bytes = [0; INLINE_CAPACITY];
        match (bytes.get_mut(..text.len()), u8::try_from(text.len())) {
            (Some(head), Ok(len)) => {
                head.copy_from_slice(text.as_bytes());
                Key(Repr::Inline { len, bytes })
            }
            _ => Key(Repr::Heap(text.into())),
        }
    }

    /// The key's bytes, without the UTF-8 check `as_str` makes: for
    /// comparisons.
    pub(super) fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Repr::Heap(text) => text.as_bytes(),
        }
    }

    /// The key's text.
    pub(super) fn as_str(&self) -> &str {
        match &self.0 {
            // Inline bytes were copied whole from a `&str`, so the check
            // always passes; it keeps this module free of `unsafe`.
            Repr::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Repr::Heap(text) => text,
        }
    }

    /// Whether the key is `text`.
    pub(super) fn is(&self, text: &str) -> bool {
        self.as_bytes() == text.as_bytes()
    }
}

impl From<String> for Key {
    fn from(text: String) -> Key {
        if text.len() <= INLINE_CAPACITY {
            Key::new(&text)
        } else {
            Key(Repr::Heap(text.into_boxed_str()))
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The largest array index plus one is 2^32 - 1; indices are 0 ..= 2^32 - 2.
const MAX_ARRAY_INDEX: u64 = 4_294_967_294;

/// [`array_index`](super::array_index) over a key's bytes.
pub(super) fn array_index_of_bytes(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 10 || (bytes.len() > 1 && bytes.first() == Some(&b'0')) {
        return None;
    }
    let mut n: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    if n <= MAX_ARRAY_INDEX {
        u32::try_from(n).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_inline_and_long_ones_on_the_heap() {
        for text in ["", "a", "pluginId", "é😀", "1234567890123456789012", "12345678901234567890123", &"k".repeat(300)]
        {
            let key = Key::new(text);
            assert_eq!(key.as_str(), text);
            assert!(key.is(text));
            assert_eq!(matches!(key.0, Repr::Inline { .. }), text.len() <= INLINE_CAPACITY, "{text:?}");
            assert_eq!(Key::from(text.to_owned()), key);
        }
        assert!(!Key::new("ab").is("abc"));
        assert_eq!(std::mem::size_of::<Key>(), std::mem::size_of::<String>());
    }
}
