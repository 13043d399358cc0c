//! Bookkeeping of RDFC-1.0 (<https://www.w3.org/TR/rdf-canon/>): identifier
//! issuers (§4.3 "Blank Node Identifier Issuer State", §4.5 "Issue Identifier
//! Algorithm"), the work budget that bounds Hash N-Degree Quads (see the
//! parent module), and the permutations of §4.8.3 step 5.4, one at a time.

use super::CanonError;
use foldhash::HashMap;

/// Units spent so far and the most that may be (what a unit is: see the parent module).
pub(super) struct Budget {
    pub(super) used: u64,
    pub(super) limit: u64,
}

impl Budget {
    pub(super) fn charge(&mut self, units: usize) -> Result<(), CanonError> {
        self.used = self.used.saturating_add(units as u64);
        if self.used > self.limit {
            return Err(CanonError::Limit(format!(
                "more than {} units of blank node hashing work",
                self.limit
            )));
        }
        Ok(())
    }
}

/// An identifier issuer (§4.3/§4.5): `order[i]` was issued `prefix{i}`.
#[derive(Clone, Default)]
pub(super) struct Issuer {
    pub(super) order: Vec<usize>,
    issued: HashMap<usize, usize>,
}

impl Issuer {
    pub(super) fn get(&self, node: usize) -> Option<usize> {
        self.issued.get(&node).copied()
    }

    pub(super) fn issue(&mut self, node: usize) -> usize {
        let next = self.order.len();
        let i = *self.issued.entry(node).or_insert(next);
        if i == next {
            self.order.push(node);
        }
        i
    }

    /// A copy, paid for by its size (large issuers are copied per permutation).
    pub(super) fn copy(&self, budget: &mut Budget) -> Result<Self, CanonError> {
        budget.charge(1 + self.order.len() / 32)?;
        Ok(self.clone())
    }
}

/// Next permutation in lexicographic order, in place; `false` after the last.
pub(super) fn next_permutation(items: &mut [usize]) -> bool {
    let Some(i) = items.windows(2).rposition(|w| w[0] < w[1]) else {
        return false;
    };
    let Some(j) = items.iter().rposition(|&x| x > items[i]) else {
        return false;
    };
    items.swap(i, j);
    items[i + 1..].reverse();
    true
}
