//! One instance held out of the pool across calls, for resources: a handle
//! (`own<T>`) is an index into one instance's store, so every call that
//! passes it must run on that instance, and the instance may serve no other
//! caller while the handle lives.

use std::sync::atomic::Ordering;
use std::time::Instant;

use wasmtime::component::types::Type;
use wasmtime::component::{ResourceAny, Val};

use super::{Called, Callee, Component, Pre, Returned, func, output};
use crate::Error;
use crate::pool::{CallOptions, PinnedStop, Slot};
use crate::wit::type_text;

/// An instance of a component taken out of its pool for as long as the
/// caller holds resources that live in it ([`Component::pin`]).
///
/// Its calls run under the component's limits, one at a time (`&mut
/// self`). A call that traps, times out, hits the memory cap or is
/// cancelled throws the instance away: every handle in it is gone, and each
/// later call or drop says so ([`Error::Resource`]). Dropped with no handle
/// left, the instance goes back to the pool; with handles left, it is
/// thrown away, so no other caller sees their state.
pub struct Pinned {
    component: Component,
    /// `None` once the instance was thrown away.
    slot: Option<Box<Slot<Pre>>>,
    /// The handles the host owns in this instance's store.
    live: Vec<ResourceAny>,
    /// Why the instance was thrown away.
    gone: Option<String>,
    /// Set while a call runs: an unwind out of it leaves the instance
    /// mid-call, so `Drop` must not pool it.
    in_call: bool,
}

impl Component {
    /// Takes one instance out of the pool (or makes one) for calls that
    /// pass resources.
    ///
    /// # Errors
    /// [`Error::InstanceLimit`], or the instance's failure to start.
    pub fn pin(&self) -> Result<Pinned, Error> {
        let slot = self.inner.pool.pin("(instantiation)")?;
        Ok(Pinned {
            component: self.clone(),
            slot: Some(slot),
            live: Vec::new(),
            gone: None,
            in_call: false,
        })
    }
}

/// One handle inside a value, where the WIT type says one is.
fn handles(val: &Val, ty: &Type, found: &mut Vec<(ResourceAny, Type)>) {
    let all = |items: &[Val], ty: &Type, found: &mut Vec<_>| {
        for item in items {
            handles(item, ty, found);
        }
    };
    match (val, ty) {
        (Val::Resource(handle), Type::Own(_) | Type::Borrow(_)) => {
            found.push((*handle, ty.clone()));
        }
        (Val::List(items), Type::List(list)) => all(items, &list.ty(), found),
        (Val::FixedLengthList(items), Type::FixedLengthList(list)) => {
            all(items, &list.ty(), found);
        }
        (Val::Tuple(items), Type::Tuple(tuple)) => {
            for (item, ty) in items.iter().zip(tuple.types()) {
                handles(item, &ty, found);
            }
        }
        (Val::Record(fields), Type::Record(record)) => {
            for ((_, item), field) in fields.iter().zip(record.fields()) {
                handles(item, &field.ty, found);
            }
        }
        (Val::Variant(case, Some(item)), Type::Variant(variant)) => {
            if let Some(ty) = variant.cases().find(|c| c.name == case).and_then(|c| c.ty) {
                handles(item, &ty, found);
            }
        }
        (Val::Option(Some(item)), Type::Option(option)) => handles(item, &option.ty(), found),
        (Val::Result(Ok(Some(item))), Type::Result(result)) => {
            if let Some(ty) = result.ok() {
                handles(item, &ty, found);
            }
        }
        (Val::Result(Err(Some(item))), Type::Result(result)) => {
            if let Some(ty) = result.err() {
                handles(item, &ty, found);
            }
        }
        (Val::Map(entries), Type::Map(map)) => {
            for (key, value) in entries {
                handles(key, &map.key(), found);
                handles(value, &map.value(), found);
            }
        }
        _ => {}
    }
}

impl Pinned {
    /// The component.
    #[must_use]
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// How many handles the host owns in this instance.
    #[must_use]
    pub fn live(&self) -> usize {
        self.live.len()
    }

    /// Whether `handle` lives here: made here, and neither dropped nor
    /// moved into a call since.
    #[must_use]
    pub fn holds(&self, handle: ResourceAny) -> bool {
        self.live.contains(&handle)
    }

    /// Why the instance was thrown away, if it was.
    #[must_use]
    pub fn gone(&self) -> Option<&str> {
        self.gone.as_deref()
    }

    /// Calls `name` on this instance with `args`, one [`Val`] per parameter;
    /// a handle argument ([`Val::Resource`]) must live here. A handle passed
    /// as `own` is the guest's afterwards; each handle the result holds is
    /// the caller's, counted against the component's `max_resources`, until
    /// [`Pinned::drop_resource`] or an `own` argument takes it.
    ///
    /// # Errors
    /// As [`Component::call`]; [`Error::Resource`] for a handle that does
    /// not live here (closed, moved, from another instance) or of the
    /// wrong type, and once the instance was thrown away;
    /// [`Error::ResourceLimit`] when the result's handles would pass the cap
    /// (they are dropped again).
    pub fn call(
        &mut self,
        name: &(impl Callee + ?Sized),
        args: &[Val],
        options: &CallOptions<'_>,
    ) -> Result<Called, Error> {
        let index = name.position(&self.component)?;
        let component = self.component.clone();
        let function = &component.inner.functions[index];
        if let Some(reason) = &function.unsupported {
            return Err(Error::Unsupported {
                function: function.name.clone(),
                reason: reason.clone(),
            });
        }
        if args.len() != function.params.len() {
            return Err(Error::WrongSignature {
                name: function.name.clone(),
                expected: format!("{} arguments", args.len()),
                actual: function.signature(),
            });
        }
        // What a refusal names, only once there is one: the first resource
        // the function takes, or the function.
        let subject = || {
            function
                .params
                .iter()
                .find_map(|(_, t)| component.resource_of(t))
                .map_or_else(|| function.name.clone(), |r| r.name.clone())
        };
        let (func, ty) = {
            let mut lease = self.slot(subject)?.lease();
            let func = func(&mut lease, index, function);
            // The instance's own types: a handle's type names its instance.
            let ty = func.ty(lease.store());
            (func, ty)
        };
        let mut moved = Vec::new();
        for ((val, (param, param_ty)), (_, own_ty)) in
            args.iter().zip(&function.params).zip(ty.params())
        {
            let mut found = Vec::new();
            handles(val, &own_ty, &mut found);
            for (handle, handle_ty) in found {
                self.check(&function.name, param, handle, &handle_ty, param_ty)?;
                if matches!(handle_ty, Type::Own(_)) {
                    moved.push(handle);
                }
            }
        }
        let makes_handles = function
            .result
            .as_ref()
            .is_some_and(crate::wit::has_resources);
        let max = self.component.runtime().shared.config.max_resources;
        if makes_handles && self.component.inner.live_resources.load(Ordering::Relaxed) >= max {
            return Err(Error::ResourceLimit { limit: max });
        }
        let started = Instant::now();
        let mut results = vec![Val::Bool(false); usize::from(function.result.is_some())];
        self.in_call = true;
        let ran = match self.slot(subject) {
            Ok(slot) => component
                .inner
                .pool
                .run_pinned(slot, &function.name, options, |lease| {
                    func.call(&mut *lease.store, args, &mut results)?;
                    Ok(output(lease))
                }),
            Err(error) => Err(PinnedStop::Refused(error)),
        };
        self.in_call = false;
        let output = match ran {
            Ok(output) => output,
            Err(PinnedStop::Refused(error)) => return Err(error),
            Err(PinnedStop::Failed(error)) => {
                self.discard(format!(
                    "its instance was thrown away when `{}` failed: {error}",
                    function.name
                ));
                return Err(error);
            }
        };
        self.live.retain(|h| !moved.contains(h));
        self.released(moved.len());
        let result = results.pop();
        if let (Some(val), Some(ty)) = (&result, ty.results().next()) {
            let mut made = Vec::new();
            handles(val, &ty, &mut made);
            self.adopt(made.into_iter().map(|(h, _)| h).collect())?;
        }
        Ok(Called {
            value: Returned::Val(result),
            output,
            elapsed: started.elapsed(),
        })
    }

    /// Runs the guest's destructor of `handle` (the `resource` named
    /// `resource`, for the messages) under the component's deadline.
    /// Dropping a handle of an instance already thrown away does nothing.
    ///
    /// # Errors
    /// [`Error::Resource`] when the handle does not live here; the
    /// destructor's failures, as a call's (the instance is thrown away).
    pub fn drop_resource(&mut self, handle: ResourceAny, resource: &str) -> Result<(), Error> {
        if self.gone.is_some() {
            return Ok(());
        }
        let Some(at) = self.live.iter().position(|h| *h == handle) else {
            return Err(Error::Resource {
                resource: resource.to_owned(),
                reason: "it was already dropped, or moved into a call".into(),
            });
        };
        let label = format!("[resource-drop]{resource}");
        let component = self.component.clone();
        self.in_call = true;
        let ran =
            match self.slot(|| resource.to_owned()) {
                Ok(slot) => component.inner.pool.run_pinned(
                    slot,
                    &label,
                    &CallOptions::default(),
                    |lease| handle.resource_drop(&mut *lease.store),
                ),
                Err(error) => Err(PinnedStop::Refused(error)),
            };
        self.in_call = false;
        match ran {
            Ok(()) => {
                self.live.swap_remove(at);
                self.released(1);
                Ok(())
            }
            Err(PinnedStop::Refused(error)) => Err(error),
            Err(PinnedStop::Failed(error)) => {
                self.discard(format!(
                    "its instance was thrown away when the destructor of `{resource}` failed: {error}"
                ));
                Err(error)
            }
        }
    }

    fn slot(&mut self, subject: impl FnOnce() -> String) -> Result<&mut Slot<Pre>, Error> {
        match (&mut self.slot, &self.gone) {
            (Some(slot), _) => Ok(slot),
            (None, gone) => Err(Error::Resource {
                resource: subject(),
                reason: gone.clone().unwrap_or_default(),
            }),
        }
    }

    /// Checks one handle argument against this instance and its parameter.
    fn check(
        &self,
        function: &str,
        param: &str,
        handle: ResourceAny,
        handle_ty: &Type,
        param_ty: &Type,
    ) -> Result<(), Error> {
        let wrong = |reason: String| Error::Resource {
            resource: self
                .component
                .resource_of(param_ty)
                .map_or_else(|| param.to_owned(), |r| r.name.clone()),
            reason,
        };
        // Liveness first: a handle of another instance has that
        // instance's type, so only a live one's type says anything.
        if !self.live.contains(&handle) {
            return Err(wrong(
                "it does not live in this instance: it was closed, moved into a call, or made in another instance".into(),
            ));
        }
        let same_type = matches!(handle_ty, Type::Own(t) | Type::Borrow(t) if *t == handle.ty());
        if !same_type {
            return Err(wrong(format!(
                "`{function}` takes {} as `{param}`, and this is another resource",
                type_text(param_ty)
            )));
        }
        Ok(())
    }

    /// Takes the handles a call returned, within the component's cap; past
    /// it, drops them again.
    fn adopt(&mut self, made: Vec<ResourceAny>) -> Result<(), Error> {
        if made.is_empty() {
            return Ok(());
        }
        let counter = &self.component.inner.live_resources;
        let max = self.component.runtime().shared.config.max_resources;
        let before = counter.fetch_add(made.len(), Ordering::Relaxed);
        self.live.extend(&made);
        if before + made.len() <= max {
            return Ok(());
        }
        for handle in made {
            // The cap error is what the caller needs; a destructor failure
            // here throws the instance away and is reported by later calls.
            let _ = self.drop_resource(handle, "(over the cap)");
        }
        Err(Error::ResourceLimit { limit: max })
    }

    /// Takes `handles` off the component's count of live handles.
    fn released(&self, handles: usize) {
        self.component
            .inner
            .live_resources
            .fetch_sub(handles, Ordering::Relaxed);
    }

    /// Throws the instance away after a failure: every handle is gone.
    fn discard(&mut self, why: String) {
        if let Some(slot) = self.slot.take() {
            self.component.inner.pool.unpin(slot, false);
        }
        self.released(self.live.len());
        self.live.clear();
        self.gone = Some(why);
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let Some(slot) = self.slot.take() else {
            return;
        };
        if self.in_call {
            // Unwound out of a call: the instance may be mid-call.
            drop(slot);
            self.component.inner.pool.lost();
        } else {
            // A handle left behind is guest state no other caller may see.
            self.component.inner.pool.unpin(slot, self.live.is_empty());
        }
        self.released(self.live.len());
    }
}
