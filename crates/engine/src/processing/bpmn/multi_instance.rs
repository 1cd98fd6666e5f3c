//! Multi-instance activities, as Zeebe runs them: a multi-instance body (element type
//! `MULTI_INSTANCE_BODY`, same id as the activity) owns the sequence flows and boundary events and runs
//! the inner activity once per item of `inputCollection`, all at once (parallel) or one after another
//! (sequential).
//!
//! * Each inner instance gets local variables `inputElement` (its item) and `loopCounter` (1-based),
//!   and, when `outputElement` just reads a variable (`=result`, `=result.total`), that variable set
//!   to `null`, so a result of that name stays in the inner instance instead of reaching the process.
//! * `outputCollection` is a local variable of the body, initialised with one `null` per item; after each
//!   inner instance `outputElement` (evaluated in the inner instance's scope) fills its slot; when the
//!   body completes the collection is propagated to its flow scope.
//! * `completionCondition` is evaluated in the body's scope after each inner completion, with
//!   `numberOfInstances` (inner instances created so far), `numberOfActiveInstances`,
//!   `numberOfCompletedInstances` and `numberOfTerminatedInstances` available; when it holds, the remaining inner instances are
//!   terminated and the body completes.
//! * An empty collection completes the body at once. A collection that is not a list is an
//!   EXTRACT_VALUE_ERROR incident.

use super::transitions::{activate_child, activated, complete_element, completed, take_outgoing};
use super::{container, events, ElementCtx};
use crate::error::EngineError;
use crate::processing::behaviour::expressions::{evaluate, result_type};
use crate::processing::behaviour::json_text;
use crate::processing::behaviour::variables::{
    merge_propagate, set_local, set_local_text, to_text,
};
use crate::processing::behaviour::{incidents, Failure};
use crate::processing::Ctx;
use crate::state::element_instances::{self, ElementInstance, ElementState};
use crate::state::variables::{self, ScopeVariables};
use hornet_bpmn::{ElementKind, LoopCharacteristics};
use hornet_feel::{EvalContext, Expression, Value, Variables};
use hornet_protocol::value::ErrorType;
use hornet_protocol::Key;
use std::collections::BTreeMap;

/// The inner instances' 1-based position variable.
const LOOP_COUNTER: &str = "loopCounter";

/// The names of an expression that is just a variable or a path into one (`=result`, `=order.items`),
/// root first; `None` for any other expression.
fn variable_path(expression: &Expression) -> Option<Vec<&str>> {
    let source = expression.source().trim();
    let segments: Vec<&str> = source.split('.').collect();
    let is_name = |segment: &&str| {
        let mut chars = segment.chars();
        chars
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
            && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    };
    let literal = matches!(segments[0], "null" | "true" | "false");
    (!literal && segments.iter().all(is_name)).then_some(segments)
}

/// The variable an `outputElement` expression reads when it is just that variable or a path into it
/// (`=result`, `=result.total` → `result`), as Zeebe's `Expression.getVariableName`.
fn output_element_variable(expression: &Expression) -> Option<&str> {
    variable_path(expression).map(|path| path[0])
}

fn loop_characteristics(el: &ElementCtx) -> Option<&LoopCharacteristics> {
    el.element()
        .multi_instance()
        .map(|body| &body.loop_characteristics)
}

/// What a read of the input collection is for.
#[derive(Copy, Clone)]
enum Need {
    /// Only that it still is a list.
    List,
    /// Its length.
    Len,
    /// The item at this index.
    Item(usize),
}

/// The result of a read of the input collection: what was needed, perhaps more.
#[derive(Default)]
struct CollectionRead {
    /// Known for [`Need::Len`], and for [`Need::Item`] when the list is too short.
    len: Option<usize>,
    item: Option<serde_json::Value>,
}

/// Evaluates the input collection in `scope` for `need`. Zeebe re-evaluates the collection whenever it
/// needs it, so a collection changed while iterating is noticed; so does this, but for the usual
/// `=items` / `=order.items` it only scans the stored text as far as needed and parses at most one item.
fn read_input_collection(
    ctx: &mut Ctx<'_>,
    scope: Key,
    characteristics: &LoopCharacteristics,
    need: Need,
) -> Result<Result<CollectionRead, Failure>, EngineError> {
    if let Some(read) = read_stored_collection(ctx, scope, &characteristics.input_collection, need)?
    {
        return Ok(Ok(read));
    }
    let expression = &characteristics.input_collection;
    Ok(
        match evaluate(ctx, scope, expression, ErrorType::ExtractValueError)? {
            Err(failure) => Err(failure),
            Ok(Value::List(items)) => Ok(CollectionRead {
                len: Some(items.len()),
                item: match need {
                    Need::Item(index) => items.get(index).map(Value::to_json),
                    Need::List | Need::Len => None,
                },
            }),
            Ok(other) => Err(Failure::new(
                ErrorType::ExtractValueError,
                format!(
                    "Expected result of the expression '{}' to be 'ARRAY', but was '{}'.",
                    expression.source().trim(),
                    result_type(&other)
                ),
            )),
        },
    )
}

/// The fast path of [`read_input_collection`]: the collection is a stored list reached by a variable
/// path. `None` (evaluate the expression instead) for anything else.
fn read_stored_collection(
    ctx: &mut Ctx<'_>,
    scope: Key,
    expression: &Expression,
    need: Need,
) -> Result<Option<CollectionRead>, EngineError> {
    let Some(path) = variable_path(expression) else {
        return Ok(None);
    };
    let Some((holder, variable)) = variables::resolve(&ctx.state, scope, path[0])? else {
        return Ok(None);
    };
    let mut text = variable.value.as_str();
    for name in &path[1..] {
        match json_text::object_member(text, name) {
            Some(member) => text = member,
            None => return Ok(None),
        }
    }
    if let Need::List = need {
        return Ok(json_text::is_array(text).then(CollectionRead::default));
    }
    // Indexed once per round: a parallel body reads one item per inner instance, all in one round.
    let source = (holder, expression.source().trim().to_string());
    let Some(index) = ctx.collections.of(source, text) else {
        return Ok(None);
    };
    let read = match need {
        Need::List | Need::Len => Some(CollectionRead {
            len: Some(index.len()),
            item: None,
        }),
        Need::Item(i) => match index.element(i) {
            None => Some(CollectionRead {
                len: Some(index.len()),
                item: None,
            }),
            // The item as FEEL hands it over (numbers normalised as in the whole list).
            Some(item) => serde_json::from_str::<serde_json::Value>(item)
                .ok()
                .map(|item| CollectionRead {
                    len: None,
                    item: Some(Value::from_json(&item).to_json()),
                }),
        },
    };
    Ok(read)
}

/// If `el` is the inner activity of a multi-instance body: the body's instance and context.
fn body_of(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<Option<(ElementInstance, ElementCtx)>, EngineError> {
    let Some(scope_idx) = el.element().flow_scope else {
        return Ok(None);
    };
    match &el.process.model.element(scope_idx).kind {
        ElementKind::MultiInstanceBody(body) if body.inner == el.idx => {}
        _ => return Ok(None),
    }
    let Some(body) = element_instances::get_instance(&ctx.state, el.record.flow_scope_key)? else {
        return Ok(None);
    };
    let Some(body_el) = ElementCtx::of_instance(ctx, &body)? else {
        return Ok(None);
    };
    Ok(Some((body, body_el)))
}

pub(crate) fn body_on_activate(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let Some(body) = el.element().multi_instance() else {
        return Ok(());
    };
    let characteristics = &body.loop_characteristics;
    let len = match read_input_collection(ctx, el.key, characteristics, Need::Len)? {
        Ok(read) => read.len.unwrap_or(0),
        Err(failure) => return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure),
    };
    if let Err(failure) = events::subscribe_boundary_events(ctx, el)? {
        return incidents::raise(ctx, el.key, &el.record, Key::NONE, failure);
    }
    activated(ctx, el)?;
    if let Some(collection) = &characteristics.output_collection {
        let nulls = serde_json::Value::Array(vec![serde_json::Value::Null; len]);
        set_local(ctx, &el.owner(), el.key, collection, &nulls)?;
    }
    if len == 0 {
        complete_element(ctx, el);
        return Ok(());
    }
    let count = if characteristics.sequential { 1 } else { len };
    for _ in 0..count {
        activate_child(ctx, el, body.inner, el.key);
    }
    Ok(())
}

/// Before an inner instance's own activation step: its `inputElement` and `loopCounter`.
pub(crate) fn inner_activating(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<Result<(), Failure>, EngineError> {
    let Some((body, body_el)) = body_of(ctx, el)? else {
        return Ok(Ok(()));
    };
    let Some(characteristics) = loop_characteristics(&body_el) else {
        return Ok(Ok(()));
    };
    let loop_counter = element_instances::get_instance(&ctx.state, el.key)?
        .map(|instance| instance.loop_counter)
        .unwrap_or(1);
    let index = loop_counter.saturating_sub(1) as usize;
    let item = match read_input_collection(ctx, body.key, characteristics, Need::Item(index))? {
        Ok(CollectionRead {
            item: Some(item), ..
        }) => item,
        Ok(CollectionRead { len, item: None }) => {
            let len = len.unwrap_or(0);
            return Ok(Err(Failure::new(
                ErrorType::ExtractValueError,
                format!(
                    "Expected to read item at index {index} of the multiInstanceBody input collection but it \
                     contains only {len} elements. The input collection might be modified while iterating over it."
                ),
            )));
        }
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(input_element) = &characteristics.input_element {
        set_local(ctx, &el.owner(), el.key, input_element, &item)?;
    }
    // As Zeebe: the variable a plain `outputElement` reads exists locally (null) on every inner
    // instance, so a job or message result of that name lands here and not in the process scope.
    if let Some(output) = characteristics
        .output_element
        .as_ref()
        .and_then(output_element_variable)
        .filter(|name| characteristics.input_element.as_deref() != Some(*name))
        .filter(|name| *name != LOOP_COUNTER)
    {
        set_local(ctx, &el.owner(), el.key, output, &serde_json::Value::Null)?;
    }
    set_local(
        ctx,
        &el.owner(),
        el.key,
        LOOP_COUNTER,
        &serde_json::Value::from(loop_counter),
    )?;
    Ok(Ok(()))
}

/// Whether `el` is the inner activity of a multi-instance body.
pub(crate) fn is_inner(el: &ElementCtx) -> bool {
    el.element()
        .flow_scope
        .and_then(|scope| el.process.model.element(scope).multi_instance())
        .is_some_and(|body| body.inner == el.idx)
}

/// Before an inner instance's ELEMENT_COMPLETED: its `outputElement` into the body's output collection.
pub(crate) fn inner_completing(
    ctx: &mut Ctx<'_>,
    el: &ElementCtx,
) -> Result<Result<(), Failure>, EngineError> {
    let Some((body, body_el)) = body_of(ctx, el)? else {
        return Ok(Ok(()));
    };
    let Some(characteristics) = loop_characteristics(&body_el) else {
        return Ok(Ok(()));
    };
    let (Some(collection), Some(output_element)) = (
        &characteristics.output_collection,
        &characteristics.output_element,
    ) else {
        return Ok(Ok(()));
    };
    let value = match evaluate(ctx, el.key, output_element, ErrorType::ExtractValueError)? {
        Ok(value) => value.to_json(),
        Err(failure) => return Ok(Err(failure)),
    };
    let loop_counter = element_instances::get_instance(&ctx.state, el.key)?
        .map(|instance| instance.loop_counter)
        .unwrap_or(1);
    let index = loop_counter.saturating_sub(1) as usize;
    let value = to_text(&value);
    // Only the slot changes: the other items' text is kept as stored (it is canonical already), and
    // the collection's index is updated rather than built again at the next completion.
    let source = (body.key, collection.clone());
    let stored = variables::get_local(&ctx.state, body.key, collection)?;
    let updated = stored
        .and_then(|stored| {
            ctx.collections
                .of(source.clone(), &stored.value)?
                .with(index, &value)
        })
        .or_else(|| json_text::ArrayIndex::build(&json_text::array_with("[]", index, &value)?));
    let Some(updated) = updated else {
        return Ok(Ok(()));
    };
    let text = updated.text().to_string();
    ctx.collections.put(source, updated);
    set_local_text(ctx, &body_el.owner(), body.key, collection, text)?;
    Ok(Ok(()))
}

/// The `numberOf…` variables over the body's scope.
struct WithCounters<'a> {
    counters: BTreeMap<&'static str, i64>,
    scope: &'a ScopeVariables<'a>,
}

impl Variables for WithCounters<'_> {
    fn get(&self, name: &str) -> Option<Value> {
        match self.counters.get(name) {
            Some(n) => Some(Value::from_json(&serde_json::Value::from(*n))),
            None => self.scope.get(name),
        }
    }
}

/// After an inner instance's ELEMENT_COMPLETED: the next sequential instance, or the body's completion.
pub(crate) fn inner_completed(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    let Some((body, body_el)) = body_of(ctx, el)? else {
        return Ok(());
    };
    if body.state != ElementState::Activated {
        return Ok(());
    }
    let Some(characteristics) = loop_characteristics(&body_el) else {
        return Ok(());
    };
    // Only what the next step needs: whether there is a next item for a sequential body, otherwise
    // that the collection is still a list.
    let need = if characteristics.sequential {
        Need::Item(body.inner_activated as usize)
    } else {
        Need::List
    };
    let read = match read_input_collection(ctx, body.key, characteristics, need)? {
        Ok(read) => read,
        Err(failure) => return incidents::raise(ctx, body.key, &body.record, Key::NONE, failure),
    };
    let has_next = match read.len {
        Some(len) => (body.inner_activated as usize) < len,
        None => read.item.is_some(),
    };
    if let Some(condition) = &characteristics.completion_condition {
        let scope = ScopeVariables::new(&ctx.state, body.key);
        let vars = WithCounters {
            counters: BTreeMap::from([
                // As Zeebe: the inner instances created so far (a sequential body creates them one
                // at a time), not the size of the collection.
                ("numberOfInstances", i64::from(body.inner_activated)),
                ("numberOfActiveInstances", i64::from(body.active_children)),
                (
                    "numberOfCompletedInstances",
                    i64::from(body.inner_completed),
                ),
                (
                    "numberOfTerminatedInstances",
                    i64::from(body.inner_terminated),
                ),
            ]),
            scope: &scope,
        };
        let result = condition.evaluate(&EvalContext::new(&vars).at(ctx.now));
        scope.take_error()?;
        match result {
            Ok(Value::Bool(true)) => {
                if !container::terminate_children(ctx, body.key)? {
                    complete_element(ctx, &body_el);
                }
                return Ok(());
            }
            Ok(Value::Bool(false)) => {}
            Ok(other) => {
                let failure = Failure::new(
                    ErrorType::ExtractValueError,
                    format!(
                        "Expected result of the expression '{}' to be 'BOOLEAN', but was '{}'.",
                        condition.source().trim(),
                        result_type(&other)
                    ),
                );
                return incidents::raise(ctx, body.key, &body.record, Key::NONE, failure);
            }
            Err(e) => {
                let failure = Failure::new(
                    ErrorType::ExtractValueError,
                    format!(
                        "Expected to evaluate expression '{}', but failed: {}",
                        condition.source().trim(),
                        e.message()
                    ),
                );
                return incidents::raise(ctx, body.key, &body.record, Key::NONE, failure);
            }
        }
    }
    if characteristics.sequential && has_next {
        activate_child(ctx, &body_el, el.idx, body.key);
        return Ok(());
    }
    if body.active_children == 0 {
        complete_element(ctx, &body_el);
    }
    Ok(())
}

/// Completes the body: the output collection goes to the flow scope, then the outgoing flows.
pub(crate) fn body_on_complete(ctx: &mut Ctx<'_>, el: &ElementCtx) -> Result<(), EngineError> {
    if let Some(collection) = loop_characteristics(el).and_then(|c| c.output_collection.clone()) {
        if let Some(stored) = variables::get_local(&ctx.state, el.key, &collection)? {
            let mut document = serde_json::Map::new();
            document.insert(collection, variables::parse_json(&stored.value));
            let start = if el.record.flow_scope_key.is_none() {
                el.key
            } else {
                el.record.flow_scope_key
            };
            merge_propagate(ctx, &el.owner(), start, &document)?;
        }
    }
    events::unsubscribe(ctx, el)?;
    super::compensation::on_activity_completing(ctx, el)?;
    completed(ctx, el)?;
    super::compensation::on_handler_completed(ctx, el)?;
    take_outgoing(ctx, el)
}
