//! A map that forgets everything once it is full: for caches whose entries never go stale
//! (parsed keys, decoded status lists by ETag, credentials as issued), where the bound only caps
//! memory and a miss costs one read or parse. Clearing instead of evicting one entry keeps it a
//! plain `HashMap` behind a `Mutex`, held only for a lookup or an insert.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

#[derive(Debug)]
pub struct Bounded<K, V> {
    map: Mutex<HashMap<K, V>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> Bounded<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    pub fn put(&self, key: K, value: V) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_map_starts_over() {
        let cache = Bounded::new(2);
        cache.put("a".to_owned(), 1);
        cache.put("b".to_owned(), 2);
        assert_eq!((cache.get("a"), cache.get("b")), (Some(1), Some(2)));
        cache.put("c".to_owned(), 3);
        assert_eq!(
            (cache.get("a"), cache.get("b"), cache.get("c")),
            (None, None, Some(3))
        );
    }
}
