//! RDF Dataset Canonicalization RDFC-1.0 (<https://www.w3.org/TR/rdf-canon/>)
//! with SHA-256, run directly on the quads toRdf produced, with a work limit.
//!
//! Implements §4.4 "Canonicalization Algorithm", §4.5 "Issue Identifier",
//! §4.6 "Hash First Degree Quads", §4.7 "Hash Related Blank Node" and §4.8
//! "Hash N-Degree Quads"; the serialization of §5 is `nquads::write_quad`.
//!
//! Why our own and not oxrdf's `Dataset::canonicalize`: §4.8 explores every
//! permutation of blank nodes that share a hash, so a small "poison" graph (a
//! clique of ten blank nodes in a 2 KB credential) costs minutes of CPU. The
//! spec ("Dataset Poisoning", <https://www.w3.org/TR/rdf-canon/#dataset-poisoning>)
//! tells implementations to guard against that; oxrdf has no hook for a limit
//! (and materializes all n! permutations).
//! Here work is paid from a budget ([`canonicalization_limit`]): one unit per
//! Hash N-Degree Quads call, per related-blank-node hash, per blank node placed
//! in a permutation and per 32 entries of an identifier issuer copied.
//! Recursion depth is capped, permutations are generated lazily, and running
//! out is [`CanonError::Limit`]. Real credentials spend from none to a dozen.
//!
//! oxrdf stays the oracle: `tests/api/rdfc_differential.rs` requires identical
//! output on every fixture, vector and on generated graphs. Like oxrdf, the
//! input is a set (duplicate quads count once) and the blank nodes related to
//! a node through equal hashes are a set (§4.8.3 step 3.1.2).

mod work;

use super::error::CanonError;
use super::nquads::write_quad;
use oxrdf::{BlankNodeRef, GraphNameRef, NamedOrBlankNodeRef, Quad, QuadRef, TermRef};
use sha2::{Digest, Sha256};
// foldhash: several times faster than SipHash on the long IRIs of quads, and seeded per
// process, so crafted documents cannot aim for collisions.
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use work::{Budget, Issuer, next_permutation};

/// Default work budget: a few hundred times what any credential we have seen
/// needs (most need none: their blank nodes all have distinct first-degree
/// hashes), small enough that a poison graph is refused in well under a second.
pub const DEFAULT_CANONICALIZATION_LIMIT: u64 = 20_000;

/// Deepest Hash N-Degree Quads recursion allowed; it follows chains of blank
/// nodes with equal hashes, and bounding it keeps the stack bounded.
const MAX_DEPTH: usize = 256;

static LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_CANONICALIZATION_LIMIT);

/// Sets the process-wide work budget of every canonicalization (config key
/// `canonicalization_limit`), once at start-up.
pub fn set_canonicalization_limit(units: u64) {
    LIMIT.store(units, Ordering::Relaxed);
}

thread_local! {
    /// A budget set for the work running on this thread (see [`with_canonicalization_limit`]).
    static SCOPED: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Runs `work` with `units` as the budget of the canonicalizations it does on this thread,
/// whatever the process-wide setting: the CPU pool runs each job under its own server's
/// configured limit, so two servers in one process (tests) cannot change each other's.
pub fn with_canonicalization_limit<T>(units: u64, work: impl FnOnce() -> T) -> T {
    /// Restores the previous budget however `work` ends (a panic included: pool threads live on).
    struct Restore(Option<u64>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SCOPED.with(|s| s.replace(Some(units))));
    work()
}

/// The work budget in effect (see the module notes for what a unit is).
pub fn canonicalization_limit() -> u64 {
    SCOPED
        .with(std::cell::Cell::get)
        .unwrap_or_else(|| LIMIT.load(Ordering::Relaxed))
}

/// The serialized canonical form (§5) of the dataset made of `quads`, within
/// the process-wide [`canonicalization_limit`].
pub fn canonicalize_quads(quads: &[Quad]) -> Result<String, CanonError> {
    canonicalize_quads_within(quads, canonicalization_limit())
}

/// [`canonicalize_quads`] with an explicit budget of `limit` work units.
pub fn canonicalize_quads_within(quads: &[Quad], limit: u64) -> Result<String, CanonError> {
    let mut state = State::new(quads);
    let canonical = state.canonical_labels(&mut Budget { used: 0, limit })?;
    let mut lines: Vec<String> = state
        .quads
        .iter()
        .map(|q| {
            let mut line = String::with_capacity(128);
            write_quad(&mut line, q.quad, &mut |out, b| {
                out.push_str("_:c14n");
                let n = state.index[b.as_str()];
                out.push_str(&canonical[n].to_string());
            });
            line
        })
        .collect();
    // Byte order of UTF-8 is code point order (§5).
    lines.sort_unstable();
    Ok(lines.concat())
}

/// One distinct quad, with the blank nodes at its subject, object and graph
/// name as indexes into `State::labels`.
struct IndexedQuad<'a> {
    quad: QuadRef<'a>,
    blanks: [Option<usize>; 3],
}

const POSITIONS: [&str; 3] = ["s", "o", "g"];

/// The canonicalization state of §4.4.2 (blank node to quads map, the first
/// degree hashes, the canonical issuer).
struct State<'a> {
    quads: Vec<IndexedQuad<'a>>,
    index: HashMap<&'a str, usize>,
    labels: Vec<&'a str>,
    quads_of: Vec<Vec<usize>>,
    first_degree: Vec<String>,
    canonical: Vec<Option<usize>>,
}

impl<'a> State<'a> {
    fn new(input: &'a [Quad]) -> Self {
        let mut seen = HashSet::with_capacity(input.len());
        let mut state = State {
            quads: Vec::with_capacity(input.len()),
            index: HashMap::new(),
            labels: Vec::new(),
            quads_of: Vec::new(),
            first_degree: Vec::new(),
            canonical: Vec::new(),
        };
        for quad in input {
            let quad = quad.as_ref();
            if !seen.insert(quad) {
                continue;
            }
            let subject = match quad.subject {
                NamedOrBlankNodeRef::BlankNode(b) => Some(b),
                NamedOrBlankNodeRef::NamedNode(_) => None,
            };
            let object = match quad.object {
                TermRef::BlankNode(b) => Some(b),
                _ => None,
            };
            let graph = match quad.graph_name {
                GraphNameRef::BlankNode(b) => Some(b),
                _ => None,
            };
            let q = state.quads.len();
            let mut blanks = [None; 3];
            for (slot, b) in blanks.iter_mut().zip([subject, object, graph]) {
                if let Some(b) = b {
                    let n = state.node(b);
                    *slot = Some(n);
                    // §4.4.3 step 2: each quad once per blank node in it.
                    if state.quads_of[n].last() != Some(&q) {
                        state.quads_of[n].push(q);
                    }
                }
            }
            state.quads.push(IndexedQuad { quad, blanks });
        }
        state.first_degree = (0..state.labels.len())
            .map(|n| state.hash_first_degree(n))
            .collect();
        state.canonical = vec![None; state.labels.len()];
        state
    }

    fn node(&mut self, b: BlankNodeRef<'a>) -> usize {
        let next = self.labels.len();
        let n = *self.index.entry(b.as_str()).or_insert(next);
        if n == next {
            self.labels.push(b.as_str());
            self.quads_of.push(Vec::new());
        }
        n
    }

    /// §4.4.3: returns the canonical number (`c14n{k}`) of every blank node.
    fn canonical_labels(&mut self, budget: &mut Budget) -> Result<Vec<usize>, CanonError> {
        let mut issued = 0;
        // Steps 3–4: nodes with a unique first-degree hash, in hash order.
        let mut by_hash: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (n, hash) in self.first_degree.iter().enumerate() {
            by_hash.entry(hash.as_str()).or_default().push(n);
        }
        let mut shared = Vec::new();
        for nodes in by_hash.into_values() {
            match nodes[..] {
                [n] => {
                    self.canonical[n] = Some(issued);
                    issued += 1;
                }
                _ => shared.push(nodes),
            }
        }
        // Step 5: the others, through Hash N-Degree Quads.
        for nodes in shared {
            let mut paths = Vec::with_capacity(nodes.len());
            for n in nodes {
                if self.canonical[n].is_some() {
                    continue;
                }
                let mut temporary = Issuer::default();
                temporary.issue(n);
                paths.push(self.hash_n_degree(n, &temporary, budget, 0)?);
            }
            paths.sort_by(|(_, a), (_, b)| a.cmp(b));
            for (issuer, _) in paths {
                for &n in &issuer.order {
                    if self.canonical[n].is_none() {
                        self.canonical[n] = Some(issued);
                        issued += 1;
                    }
                }
            }
        }
        // Every node was issued above (a shared-hash node is the first of its own issuer).
        self.canonical
            .iter()
            .map(|c| {
                c.ok_or_else(|| {
                    CanonError::InvalidInput("RDFC-1.0 left a blank node unlabelled".into())
                })
            })
            .collect()
    }

    /// §4.6 Hash First Degree Quads.
    fn hash_first_degree(&self, node: usize) -> String {
        let reference = self.labels[node];
        let mut lines: Vec<String> = self.quads_of[node]
            .iter()
            .map(|&q| {
                let mut line = String::with_capacity(128);
                write_quad(&mut line, self.quads[q].quad, &mut |out, b| {
                    out.push_str(if b.as_str() == reference {
                        "_:a"
                    } else {
                        "_:z"
                    });
                });
                line
            })
            .collect();
        lines.sort_unstable();
        let mut hasher = Sha256::new();
        for line in &lines {
            hasher.update(line.as_bytes());
        }
        hex(&hasher.finalize())
    }

    /// §4.7 Hash Related Blank Node.
    fn hash_related(&self, related: usize, q: usize, issuer: &Issuer, position: &str) -> String {
        let mut input = String::with_capacity(160);
        input.push_str(position);
        if position != "g" {
            input.push('<');
            input.push_str(self.quads[q].quad.predicate.as_str());
            input.push('>');
        }
        if let Some(c) = self.canonical[related] {
            input.push_str("_:c14n");
            input.push_str(&c.to_string());
        } else if let Some(b) = issuer.get(related) {
            input.push_str("_:b");
            input.push_str(&b.to_string());
        } else {
            input.push_str(&self.first_degree[related]);
        }
        sha256_hex(&input)
    }

    /// §4.8 Hash N-Degree Quads: the hash and the issuer that goes with it.
    fn hash_n_degree(
        &self,
        node: usize,
        issuer: &Issuer,
        budget: &mut Budget,
        depth: usize,
    ) -> Result<(Issuer, String), CanonError> {
        if depth > MAX_DEPTH {
            return Err(CanonError::Limit(format!(
                "blank node hashing nested deeper than {MAX_DEPTH}"
            )));
        }
        let mut issuer = issuer.copy(budget)?;
        // Steps 1–3: related blank nodes grouped by their hash.
        let mut related: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &q in &self.quads_of[node] {
            for (position, component) in POSITIONS.iter().zip(self.quads[q].blanks) {
                let Some(component) = component.filter(|&c| c != node) else {
                    continue;
                };
                budget.charge(1)?;
                let hash = self.hash_related(component, q, &issuer, position);
                related.entry(hash).or_default().push(component);
            }
        }
        // Steps 4–5.
        let mut data = String::new();
        for (hash, mut nodes) in related {
            data.push_str(&hash);
            // A set (as in oxrdf): a node related twice through the same hash counts once.
            nodes.sort_unstable();
            nodes.dedup();
            let mut chosen: Option<(String, Issuer)> = None;
            let mut order: Vec<usize> = (0..nodes.len()).collect();
            loop {
                let permutation = order.iter().map(|&i| nodes[i]);
                if let Some(found) =
                    self.try_permutation(permutation, &issuer, chosen.as_ref(), budget, depth)?
                {
                    chosen = Some(found);
                }
                if !next_permutation(&mut order) {
                    break;
                }
            }
            let (path, chosen_issuer) = chosen.unwrap_or_default();
            data.push_str(&path);
            issuer = chosen_issuer;
        }
        Ok((issuer, sha256_hex(&data)))
    }

    /// §4.8.3 steps 5.4.1–5.4.6 for one permutation: its path and issuer,
    /// or `None` once it cannot beat `chosen`.
    fn try_permutation(
        &self,
        permutation: impl Iterator<Item = usize>,
        issuer: &Issuer,
        chosen: Option<&(String, Issuer)>,
        budget: &mut Budget,
        depth: usize,
    ) -> Result<Option<(String, Issuer)>, CanonError> {
        let worse =
            |path: &String| chosen.is_some_and(|(best, _)| path.len() >= best.len() && path > best);
        let mut issuer = issuer.copy(budget)?;
        let mut path = String::new();
        let mut recursion = Vec::new();
        for related in permutation {
            budget.charge(1)?;
            if let Some(c) = self.canonical[related] {
                path.push_str("_:c14n");
                path.push_str(&c.to_string());
            } else {
                if issuer.get(related).is_none() {
                    recursion.push(related);
                }
                path.push_str("_:b");
                path.push_str(&issuer.issue(related).to_string());
            }
            if worse(&path) {
                return Ok(None);
            }
        }
        for related in recursion {
            let (result_issuer, hash) = self.hash_n_degree(related, &issuer, budget, depth + 1)?;
            path.push_str("_:b");
            path.push_str(&issuer.issue(related).to_string());
            path.push('<');
            path.push_str(&hash);
            path.push('>');
            issuer = result_issuer;
            if worse(&path) {
                return Ok(None);
            }
        }
        match chosen {
            Some((best, _)) if path >= *best => Ok(None),
            _ => Ok(Some((path, issuer))),
        }
    }
}

fn sha256_hex(input: &str) -> String {
    hex(&Sha256::digest(input.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}
