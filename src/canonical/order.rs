//! JavaScript's own-property order for the members of one object, shared by
//! the tree builder ([`super::Object`]) and the streaming writer.

use super::key::array_index_of_bytes as array_index;
use std::collections::HashMap;

/// Below this many members a linear duplicate scan beats hashing.
const LINEAR_SCAN_LIMIT: usize = 16;

/// True when members in source order already are in JS order: no
/// duplicate keys, and any array-index keys come first in ascending order.
/// The common case for webhook payloads, checked without allocating for
/// small objects.
pub fn is_js_ordered<'a>(keys: impl ExactSizeIterator<Item = &'a [u8]> + Clone) -> bool {
    let mut last_index = None;
    let mut seen_other = false;
    for key in keys.clone() {
        match array_index(key) {
            // Strictly ascending also rules out repeated index keys.
            Some(index) if !seen_other && last_index.is_none_or(|last| last < index) => {
                last_index = Some(index);
            }
            Some(_) => return false,
            None => seen_other = true,
        }
    }
    if keys.len() <= LINEAR_SCAN_LIMIT {
        // Compare each key with the ones before it, without allocating;
        // the last byte tells most distinct keys of equal length apart
        // before a full comparison.
        let same = |a: &[u8], b: &[u8]| a.last() == b.last() && a == b;
        return keys.clone().enumerate().all(|(i, k)| !keys.clone().take(i).any(|earlier| same(earlier, k)));
    }
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    keys.into_iter().all(|k| seen.insert(k))
}

/// Reorders `members` (in source order) into JS order: array-index keys
/// first in ascending numeric order, then the others in first-insertion
/// order; a repeated key keeps its first position and, through `merge`,
/// its last value.
pub fn js_order<T>(members: Vec<T>, key: impl Fn(&T) -> &[u8], merge: impl Fn(&mut T, T)) -> Vec<T> {
    if is_js_ordered(KeyIter { members: &members, key: &key, next: 0 }) {
        return members;
    }
    let mut out: Vec<T> = Vec::with_capacity(members.len());
    let mut position: HashMap<Vec<u8>, usize> = HashMap::with_capacity(members.len());
    for member in members {
        match position.get(key(&member)) {
            Some(&at) => {
                // `position` only holds indices of pushed members.
                if let Some(slot) = out.get_mut(at) {
                    merge(slot, member);
                }
            }
            None => {
                position.insert(key(&member).to_owned(), out.len());
                out.push(member);
            }
        }
    }
    // Index keys are unique once merged, so an unstable sort orders them
    // exactly; the other keys keep their insertion order untouched.
    let (indexed, named): (Vec<T>, Vec<T>) = out.into_iter().partition(|m| array_index(key(m)).is_some());
    let mut ordered = sort_by_key(indexed, |m| array_index(key(m)).map_or(0, u64::from));
    ordered.extend(named);
    ordered
}

/// Sorts `items` by `key` through one sort of `(key, position)` pairs: the
/// generic `sort_unstable_by_key` would be compiled once per item type, each
/// copy several KB of the wasm module. Equal keys keep their order.
pub fn sort_by_key<T>(items: Vec<T>, key: impl Fn(&T) -> u64) -> Vec<T> {
    let mut keyed: Vec<(u64, usize)> = items.iter().enumerate().map(|(i, item)| (key(item), i)).collect();
    keyed.sort_unstable();
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    keyed.into_iter().filter_map(|(_, i)| slots.get_mut(i).and_then(Option::take)).collect()
}

/// Borrowing key iterator over members, so the fast check allocates nothing.
struct KeyIter<'a, T, F> {
    members: &'a [T],
    key: &'a F,
    next: usize,
}

impl<T, F> Clone for KeyIter<'_, T, F> {
    fn clone(&self) -> Self {
        KeyIter { members: self.members, key: self.key, next: self.next }
    }
}

impl<'a, T, F: Fn(&T) -> &[u8]> Iterator for KeyIter<'a, T, F> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let member = self.members.get(self.next)?;
        self.next += 1;
        Some((self.key)(member))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.members.len() - self.next;
        (left, Some(left))
    }
}

impl<'a, T, F: Fn(&T) -> &[u8]> ExactSizeIterator for KeyIter<'a, T, F> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(keys: &[&str]) -> Vec<String> {
        let members: Vec<(String, usize)> = keys.iter().enumerate().map(|(i, k)| (k.to_string(), i)).collect();
        js_order(members, |m| m.0.as_bytes(), |slot, m| slot.1 = m.1)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    #[test]
    fn index_keys_first_then_insertion_order_with_last_value() {
        assert_eq!(order(&["b", "1", "a", "0", "b"]), ["0=3", "1=1", "b=4", "a=2"]);
        assert_eq!(order(&["x", "y"]), ["x=0", "y=1"]);
        assert_eq!(order(&["01", "1"]), ["1=1", "01=0"]);
    }

    #[test]
    fn ascending_index_keys_first_need_no_reordering() {
        let ordered = |keys: &[&str]| is_js_ordered(keys.iter().map(|k| k.as_bytes()));
        assert!(ordered(&["0", "2", "10", "a", "b"]));
        assert!(!ordered(&["2", "0"]));
        assert!(!ordered(&["a", "0"]));
        assert!(!ordered(&["1", "1"]));
        assert!(!ordered(&["1", "a", "a"]));
    }

    #[test]
    fn large_objects_use_the_hashed_path() {
        let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let mut refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert!(is_js_ordered(refs.iter().map(|k| k.as_bytes())));
        refs.push("k3");
        assert!(!is_js_ordered(refs.iter().map(|k| k.as_bytes())));
        let got = order(&refs);
        assert_eq!(got.len(), 40);
        assert_eq!(got[3], "k3=40");
    }
}
