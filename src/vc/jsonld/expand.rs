//! Expansion — JSON-LD 1.1 Processing Algorithms and API §5.1.2 "Expansion
//! Algorithm" and §5.3.2 "Value Expansion" — for the subset described in
//! [`super`]. Step numbers in comments are those of the algorithms.
//!
//! One deliberate refusal beyond the subset: a node value of a property with
//! a property-scoped context, reached inside a node whose type-scoped
//! context is not propagated. The spec applies the property-scoped context
//! to the reverted context (step 8 after step 7); oxjsonld 0.2.7 applies it
//! to the type-scoped one. Rather than pick a side, such documents go to the
//! full processor, so the fast path never disagrees with it.

use super::ExpandError;
use super::cache::Cache;
use super::context::{ActiveContext, GRAPH, LANGUAGE, LIST, TermDef};
use super::iri::{expand_iri, is_keyword};
use super::value::{finish, language_map, value};
use serde_json::{Map, Value};
use std::sync::Arc;

pub(crate) struct Expander<'a> {
    pub cache: &'a Cache,
}

fn as_array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        other => vec![other],
    }
}

pub(crate) fn one(key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(key.to_owned(), value);
    Value::Object(m)
}

fn has_object(v: &Value) -> bool {
    match v {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(has_object),
        _ => false,
    }
}

fn is_list_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key("@list"))
}

impl Expander<'_> {
    /// The whole algorithm for a top-level document (its final steps 19 –
    /// 20 of §5.1.2 and the API's `expand()` post-processing).
    pub(crate) fn document(&self, doc: &Value) -> Result<Value, ExpandError> {
        let root = self.cache.root();
        let expanded = self.element(&root, None, doc)?;
        let items = match expanded {
            None => Vec::new(),
            Some(Value::Object(mut m)) if m.len() == 1 && m.contains_key("@graph") => {
                as_array(m.remove("@graph").unwrap_or(Value::Null))
            }
            Some(v) => as_array(v),
        };
        Ok(Value::Array(items))
    }

    fn element(
        &self,
        active: &Arc<ActiveContext>,
        prop: Option<&str>,
        element: &Value,
    ) -> Result<Option<Value>, ExpandError> {
        // 3)
        let def = prop.and_then(|p| active.term(p));
        match element {
            // 1)
            Value::Null => Ok(None),
            // 5)
            Value::Array(items) => {
                let list = def.is_some_and(|d| d.container & LIST != 0);
                let mut result = Vec::with_capacity(items.len());
                for item in items {
                    match self.element(active, prop, item)? {
                        Some(Value::Array(inner)) if list => {
                            result.push(one("@list", inner.into()))
                        }
                        Some(Value::Array(inner)) => result.extend(inner),
                        Some(v) => result.push(v),
                        None => {}
                    }
                }
                Ok(Some(Value::Array(result)))
            }
            Value::Object(map) => self.node(active, prop, def.cloned(), map),
            // 4)
            scalar => {
                let Some(prop) = prop.filter(|p| *p != "@graph") else {
                    return Ok(None);
                };
                let active = match def.and_then(|d| d.context.as_ref()) {
                    Some(scoped) => self.cache.scoped(active, scoped, false, true)?,
                    None => Arc::clone(active),
                };
                value(&active, prop, scalar).map(Some)
            }
        }
    }

    fn node(
        &self,
        active: &Arc<ActiveContext>,
        prop: Option<&str>,
        def: Option<Arc<TermDef>>,
        map: &Map<String, Value>,
    ) -> Result<Option<Value>, ExpandError> {
        let mut active = Arc::clone(active);
        // 7)
        if let Some(previous) = &active.previous {
            let mut keys = Vec::with_capacity(map.len());
            for key in map.keys() {
                keys.push(expand_iri(&active, key, false, true)?);
            }
            let has_value = keys.iter().any(|k| k.as_deref() == Some("@value"));
            let single_id = keys.len() == 1 && keys[0].as_deref() == Some("@id");
            if !has_value && !single_id {
                if def.as_ref().is_some_and(|d| d.context.is_some()) {
                    return Err(ExpandError::Unsupported(
                        "property-scoped context inside a type-scoped node",
                    ));
                }
                active = Arc::clone(previous);
            }
        }
        // 8)
        if let Some(scoped) = def.as_ref().and_then(|d| d.context.as_ref()) {
            active = self.cache.scoped(&active, scoped, true, true)?;
        }
        // 9)
        if let Some(local) = map.get("@context") {
            active = self.cache.inline(&active, local)?;
        }
        // 10) – 11)
        let type_scoped = Arc::clone(&active);
        let mut type_keys: Vec<(&String, &Value)> = Vec::new();
        for (key, v) in map {
            if expand_iri(&active, key, false, true)?.as_deref() == Some("@type") {
                type_keys.push((key, v));
            }
        }
        type_keys.sort_by(|a, b| a.0.cmp(b.0));
        for (_, v) in &type_keys {
            let mut terms: Vec<&str> = match v {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            terms.sort_unstable();
            for term in terms {
                if let Some(scoped) = type_scoped.term(term).and_then(|d| d.context.as_ref()) {
                    active = self.cache.scoped(&active, scoped, false, false)?;
                }
            }
        }
        // 12)
        let input_type = match type_keys.first().map(|(_, v)| *v) {
            Some(Value::String(s)) => expand_iri(&type_scoped, s, true, true)?,
            Some(Value::Array(items)) => match items.last().and_then(Value::as_str) {
                Some(s) => expand_iri(&type_scoped, s, true, true)?,
                None => None,
            },
            _ => None,
        };
        // 13)
        let mut result = Map::new();
        for (key, v) in map {
            if key == "@context" {
                continue;
            }
            // 13.2) – 13.3)
            let property = expand_iri(&active, key, false, true)?;
            if let Some(property) = property.as_deref()
                && is_keyword(property)
            {
                self.keyword(
                    &active,
                    &type_scoped,
                    prop,
                    property,
                    v,
                    &input_type,
                    &mut result,
                )?;
                continue;
            }
            let Some(property) = property.filter(|p| p.contains(':')) else {
                // oxjsonld 0.2.7 still emits some statements of nodes under a dropped
                // property (their blank-node types); the spec drops the whole value.
                if has_object(v) {
                    return Err(ExpandError::Unsupported(
                        "node object under a dropped property",
                    ));
                }
                continue;
            };
            let def = active.term(key);
            let container = def.map_or(0, |d| d.container);
            let expanded = if def.and_then(|d| d.type_mapping.as_deref()) == Some("@json") {
                // 13.6)
                let mut m = Map::new();
                m.insert("@value".into(), v.clone());
                m.insert("@type".into(), "@json".into());
                Value::Object(m)
            } else if container & LANGUAGE != 0 && v.is_object() {
                // 13.7)
                language_map(&active, def.map(|d| &**d), v)?
            } else {
                // 13.9) – 13.10)
                match self.element(&active, Some(key), v)? {
                    Some(e) => e,
                    None => continue,
                }
            };
            // 13.11)
            let expanded = if container & LIST != 0 && !is_list_object(&expanded) {
                one("@list", Value::Array(as_array(expanded)))
            } else {
                expanded
            };
            // 13.12)
            let expanded = if container & GRAPH != 0 {
                let graphs = as_array(expanded)
                    .into_iter()
                    .map(|ev| one("@graph", Value::Array(as_array(ev))))
                    .collect();
                Value::Array(graphs)
            } else {
                expanded
            };
            // 13.14)
            let slot = result
                .entry(property)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = slot {
                items.extend(as_array(expanded));
            }
        }
        finish(result, prop)
    }

    /// §5.1.2 step 13.4, for the keywords of the subset.
    #[allow(clippy::too_many_arguments)]
    fn keyword(
        &self,
        active: &Arc<ActiveContext>,
        type_scoped: &ActiveContext,
        prop: Option<&str>,
        property: &str,
        v: &Value,
        input_type: &Option<String>,
        result: &mut Map<String, Value>,
    ) -> Result<(), ExpandError> {
        let invalid = ExpandError::Invalid;
        // 13.4.2)
        if property != "@type" && result.contains_key(property) {
            return Err(invalid("colliding keywords"));
        }
        let expanded = match property {
            // 13.4.3)
            "@id" => {
                let id = v.as_str().ok_or(invalid("invalid @id value"))?;
                match expand_iri(active, id, true, false)? {
                    Some(iri) => Value::String(iri),
                    None => return Err(ExpandError::Unsupported("@id expanding to null")),
                }
            }
            // 13.4.4)
            "@type" => {
                let values: Vec<&str> = match v {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().ok_or(invalid("invalid type value")))
                        .collect::<Result<_, _>>()?,
                    _ => return Err(invalid("invalid type value")),
                };
                let mut types = match result.remove("@type") {
                    Some(Value::Array(existing)) => existing,
                    _ => Vec::new(),
                };
                for t in values {
                    if let Some(iri) = expand_iri(type_scoped, t, true, true)? {
                        types.push(Value::String(iri));
                    }
                }
                Value::Array(types)
            }
            // 13.4.5)
            "@graph" => Value::Array(as_array(
                self.element(active, Some("@graph"), v)?
                    .unwrap_or(Value::Null),
            )),
            // 13.4.7)
            "@value" => {
                if input_type.as_deref() != Some("@json")
                    && matches!(v, Value::Array(_) | Value::Object(_))
                {
                    return Err(invalid("invalid value object value"));
                }
                v.clone()
            }
            // 13.4.8) – 13.4.10)
            "@language" | "@index" => {
                v.as_str().ok_or(invalid("invalid @language or @index"))?;
                v.clone()
            }
            "@direction" => match v.as_str() {
                Some("ltr" | "rtl") => v.clone(),
                _ => return Err(invalid("invalid base direction")),
            },
            // 13.4.11)
            "@list" => {
                if prop.is_none_or(|p| p == "@graph") {
                    return Ok(());
                }
                Value::Array(as_array(
                    self.element(active, prop, v)?
                        .unwrap_or(Value::Array(Vec::new())),
                ))
            }
            // 13.4.12)
            "@set" => self.element(active, prop, v)?.unwrap_or(Value::Null),
            _ => return Err(ExpandError::Unsupported("keyword outside the subset")),
        };
        result.insert(property.to_owned(), expanded);
        Ok(())
    }
}
