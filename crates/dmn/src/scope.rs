//! Variable scopes: local names layered over an enclosing scope.

use hornet_feel::{Context, Value, Variables};

/// Local bindings that shadow the variables of an enclosing scope.
pub(crate) struct Scope<'a> {
    pub parent: &'a dyn Variables,
    pub locals: &'a Context,
}

impl Variables for Scope<'_> {
    fn get(&self, name: &str) -> Option<Value> {
        match self.locals.get(name) {
            Some(v) => Some(v.clone()),
            None => self.parent.get(name),
        }
    }
}
