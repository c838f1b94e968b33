//! The stack of rendered namespace declarations.
//!
//! This mirrors libxml2's `xmlC14NVisibleNsStack` (c14n.c) closely, because
//! the two namespace-axis algorithms below are defined in terms of it and the
//! output must match libxml2 byte for byte. Every output element pushes the
//! declarations it considers in scope for rendering purposes (all in-scope ones
//! for inclusive C14N, the visibly utilized and PrefixList ones for exclusive
//! C14N); the state is saved before an element and restored after it.

use std::collections::HashMap;

/// One namespace binding: `(prefix, uri)`, `None` being the default namespace
/// and `""` an undeclared default (`xmlns=""`).
pub(crate) type Binding<'a> = (Option<&'a str>, &'a str);

/// The saved position of a [`NsStack`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct State {
    cur_end: usize,
    prev_start: usize,
    prev_end: usize,
}

#[derive(Debug, Default)]
pub(crate) struct NsStack<'a> {
    entries: Vec<Binding<'a>>,
    /// Indices into `entries`, per prefix (`""` for the default namespace),
    /// so that lookups are O(1) however deep the document is.
    by_prefix: HashMap<&'a str, Vec<usize>>,
    /// Entries of the nearest output ancestor start here (libxml2 `nsPrevStart`).
    prev_start: usize,
    /// ... and end here (libxml2 `nsPrevEnd`).
    prev_end: usize,
}

impl<'a> NsStack<'a> {
    pub(crate) fn save(&self) -> State {
        State {
            cur_end: self.entries.len(),
            prev_start: self.prev_start,
            prev_end: self.prev_end,
        }
    }

    pub(crate) fn restore(&mut self, state: State) {
        while self.entries.len() > state.cur_end {
            if let Some((prefix, _)) = self.entries.pop()
                && let Some(v) = self.by_prefix.get_mut(prefix.unwrap_or(""))
            {
                v.pop();
            }
        }
        self.prev_start = state.prev_start;
        self.prev_end = state.prev_end;
    }

    pub(crate) fn add(&mut self, binding: Binding<'a>) {
        self.by_prefix
            .entry(binding.0.unwrap_or(""))
            .or_default()
            .push(self.entries.len());
        self.entries.push(binding);
    }

    /// Called once an output element has pushed its entries: they become the
    /// "previous" level its descendants compare against.
    pub(crate) fn shift(&mut self) {
        self.prev_start = self.prev_end;
        self.prev_end = self.entries.len();
    }

    /// Inclusive lookup (`xmlC14NVisibleNsStackFind`): whether `binding` was
    /// already rendered by the nearest output ancestor (or earlier by this
    /// element). The empty default `xmlns=""` counts as rendered unless a
    /// non-empty default is found anywhere on the stack.
    pub(crate) fn find_inclusive(&self, binding: Binding<'_>) -> bool {
        let empty_default = is_empty_default(binding);
        let start = if empty_default { 0 } else { self.prev_start };
        self.lookup(start, binding).unwrap_or(empty_default)
    }

    /// Exclusive lookup (`xmlExcC14NVisibleNsStackFind`): the most recent
    /// entry for the prefix anywhere on the stack decides.
    pub(crate) fn find_exclusive(&self, binding: Binding<'_>) -> bool {
        self.lookup(0, binding).unwrap_or(is_empty_default(binding))
    }

    /// The most recent entry for the prefix at or above `start`: whether its
    /// URI equals `uri`, or `None` if there is no such entry.
    fn lookup(&self, start: usize, (prefix, uri): Binding<'_>) -> Option<bool> {
        let i = *self.by_prefix.get(prefix.unwrap_or(""))?.last()?;
        if i < start {
            return None;
        }
        self.entries.get(i).map(|(_, u)| *u == uri)
    }
}

fn is_empty_default((prefix, uri): Binding<'_>) -> bool {
    prefix.unwrap_or("").is_empty() && uri.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusive_lookup_sees_only_the_previous_level() {
        let mut s = NsStack::default();
        assert!(!s.find_inclusive((Some("a"), "u")));
        assert!(s.find_inclusive((None, "")));
        s.add((Some("a"), "u"));
        s.add((None, "d"));
        s.shift();
        let outer = s.save();
        assert!(s.find_inclusive((Some("a"), "u")));
        assert!(!s.find_inclusive((Some("a"), "v")));
        assert!(!s.find_inclusive((None, "")));
        // A child that renders nothing hides the grandparent level from
        // inclusive lookups of prefixed bindings, but not from exclusive ones.
        s.shift();
        assert!(!s.find_inclusive((Some("a"), "u")));
        assert!(s.find_exclusive((Some("a"), "u")));
        assert!(!s.find_inclusive((None, "")));
        s.restore(outer);
        assert!(s.find_inclusive((Some("a"), "u")));
    }
}
