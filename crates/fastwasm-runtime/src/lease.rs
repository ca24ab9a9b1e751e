//! What a pool instantiates ([`Linked`]), one instance with what callers
//! resolved on it ([`Slot`]), and the view of it a call's closure gets
//! ([`Lease`]).

use std::any::{Any, TypeId};

use crate::store::CallState;

/// What a pool instantiates: a core module or a component, pre-linked.
pub(crate) trait Linked: Send + Sync + 'static {
    /// `wasmtime::Instance`, or `wasmtime::component::Instance`.
    type Instance: Copy + Send + 'static;
    /// A function handle, cached per instance by export index.
    type Func: Copy + Send + 'static;
    /// Whether its stores need WASI state.
    const WASI: bool;

    fn instantiate(
        &self,
        store: &mut wasmtime::Store<CallState>,
    ) -> wasmtime::Result<Self::Instance>;
}

/// One instance and its store, and what callers resolved on it.
pub(crate) struct Slot<L: Linked> {
    pub(crate) store: wasmtime::Store<CallState>,
    pub(crate) instance: L::Instance,
    pub(crate) funcs: Vec<Option<L::Func>>,
    pub(crate) cache: Vec<(TypeId, Box<dyn Any + Send>)>,
}

impl<L: Linked> Slot<L> {
    /// The instance, lent outside a call (to look its functions up).
    pub(crate) fn lease(&mut self) -> Lease<'_, L::Instance, L::Func> {
        Lease {
            store: &mut self.store,
            instance: self.instance,
            funcs: &mut self.funcs,
            cache: &mut self.cache,
        }
    }
}

/// An instance lent to the closure of `with_instance`, with the deadline,
/// the memory cap and the cancel token of the call already set.
pub struct Lease<'a, I = wasmtime::Instance, F = wasmtime::Func> {
    pub(crate) store: &'a mut wasmtime::Store<CallState>,
    instance: I,
    pub(crate) funcs: &'a mut Vec<Option<F>>,
    cache: &'a mut Vec<(TypeId, Box<dyn Any + Send>)>,
}

impl<I: Copy, F: Copy> Lease<'_, I, F> {
    /// The instance's store, for wasmtime's calls.
    pub fn store(&mut self) -> &mut wasmtime::Store<CallState> {
        self.store
    }

    /// The instance.
    #[must_use]
    pub fn instance(&self) -> I {
        self.instance
    }

    /// A value of type `T` made once per instance by `resolve`, then reused
    /// (typed functions, an exported memory), with the store beside it.
    /// Resolving `TypedFunc`s once per instance, not per call, is what makes
    /// a facade's call as cheap as wasmtime's own typed call.
    ///
    /// # Errors
    /// What `resolve` returns, the first time.
    ///
    /// # Panics
    /// Never: the entry stored under `TypeId::of::<T>()` is always a `T`.
    pub fn cached<T: Any + Send>(
        &mut self,
        resolve: impl FnOnce(&mut wasmtime::Store<CallState>, I) -> wasmtime::Result<T>,
    ) -> wasmtime::Result<(&T, &mut wasmtime::Store<CallState>)> {
        let key = TypeId::of::<T>();
        let index = if let Some(index) = self.cache.iter().position(|(k, _)| *k == key) {
            index
        } else {
            let value = resolve(self.store, self.instance)?;
            self.cache.push((key, Box::new(value)));
            self.cache.len() - 1
        };
        let value = self.cache[index]
            .1
            .downcast_ref::<T>()
            .expect("the entry under TypeId::of::<T>() is a T");
        Ok((value, self.store))
    }

    /// Function `index`, looked up by `lookup` once per instance.
    pub(crate) fn func(
        &mut self,
        index: usize,
        lookup: impl FnOnce(&mut wasmtime::Store<CallState>, I) -> F,
    ) -> F {
        if let Some(func) = self.funcs[index] {
            return func;
        }
        let func = lookup(self.store, self.instance);
        self.funcs[index] = Some(func);
        func
    }
}
