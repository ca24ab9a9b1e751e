//! What a component exports: each [`Function`] with its WIT types, and the
//! [`Callee`] a call names one by.

use wasmtime::component::ComponentExportIndex;
use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};

use super::Component;
use crate::Error;
use crate::fast::Shape;
use crate::wit::{has_resources, type_text, unsupported};

/// A function a component exports, with its WIT types.
#[derive(Debug, Clone)]
pub struct Function {
    /// The WIT name: `checked-div`, or `interface/function`.
    pub name: String,
    /// Parameter names (WIT spelling) and types, in order.
    pub params: Vec<(String, Type)>,
    /// The result type, if it has one.
    pub result: Option<Type>,
    /// Why it cannot be called yet (it passes a future, a stream or an
    /// error-context), if it cannot.
    pub unsupported: Option<String>,
    /// Whether it passes a resource handle, in a parameter or its result:
    /// then it runs only on a [`crate::Pinned`] instance.
    pub resources: bool,
    pub(super) index: ComponentExportIndex,
    pub(super) shape: Option<Shape>,
    /// Where it is in `Component::functions`.
    pub(super) position: usize,
}

impl Function {
    /// The WIT text of the function: `func(a: s32, b: s32) -> result<s32, string>`.
    #[must_use]
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(name, ty)| format!("{name}: {}", type_text(ty)))
            .collect();
        let result = self
            .result
            .as_ref()
            .map(|ty| format!(" -> {}", type_text(ty)))
            .unwrap_or_default();
        format!("func({}){result}", params.join(", "))
    }

    /// Whether the typed fast path takes this function (bytes and strings
    /// cross as one copy, not one value per element): see `fast.rs`.
    #[must_use]
    pub fn has_fast_path(&self) -> bool {
        self.shape.is_some()
    }

    /// The type of the value a successful call carries: an `option`'s
    /// payload, a `result`'s `ok`, or else the result type itself. A fast
    /// path [`crate::Payload`] has this type.
    #[must_use]
    pub fn value_type(&self) -> Option<Type> {
        match &self.result {
            Some(Type::Option(o)) => Some(o.ty()),
            Some(Type::Result(r)) => r.ok(),
            other => other.clone(),
        }
    }

    fn of(name: String, ty: &ComponentFunc, index: ComponentExportIndex) -> Self {
        let params: Vec<(String, Type)> = ty.params().map(|(n, t)| (n.to_owned(), t)).collect();
        let result = ty.results().next();
        let unsupported = params
            .iter()
            .map(|(_, t)| t)
            .chain(result.as_ref())
            .find_map(unsupported)
            .map(|reason| format!("`{name}` cannot be called: {reason}"));
        let shape = Shape::of(&params, result.as_ref());
        let resources = params
            .iter()
            .map(|(_, t)| t)
            .chain(result.as_ref())
            .any(has_resources);
        Self {
            name,
            params,
            result,
            unsupported,
            resources,
            index,
            shape,
            position: 0,
        }
    }
}

/// The function a call names: a name (WIT or `snake_case` spelling), a
/// [`Function`] of this component, or its position in
/// [`Component::functions`]; the last two skip the lookup by name.
pub trait Callee {
    /// Its position in [`Component::functions`].
    ///
    /// # Errors
    /// [`Error::MissingExport`] when the component exports no such function.
    fn position(&self, component: &Component) -> Result<usize, Error>;
}

impl Callee for str {
    fn position(&self, component: &Component) -> Result<usize, Error> {
        component.index(self)
    }
}

impl Callee for String {
    fn position(&self, component: &Component) -> Result<usize, Error> {
        component.index(self)
    }
}

impl Callee for usize {
    fn position(&self, component: &Component) -> Result<usize, Error> {
        if *self < component.inner.functions.len() {
            Ok(*self)
        } else {
            Err(Error::MissingExport {
                name: format!("#{self}"),
            })
        }
    }
}

impl Callee for Function {
    fn position(&self, component: &Component) -> Result<usize, Error> {
        match component.inner.functions.get(self.position) {
            Some(ours) if std::ptr::eq(ours, self) => Ok(self.position),
            // Another component's, or a clone: by name.
            _ => component.index(&self.name),
        }
    }
}

/// Every exported function, the component's own and its interfaces'.
pub(super) fn functions(
    engine: &wasmtime::Engine,
    component: &wasmtime::component::Component,
) -> Vec<Function> {
    let ty = component.component_type();
    let mut own = Vec::new();
    let mut of_interfaces = Vec::new();
    for (name, item) in ty.exports(engine) {
        match item.ty {
            ComponentItem::ComponentFunc(func) => {
                if let Some(index) = component.get_export_index(None, name) {
                    own.push(Function::of(name.to_owned(), &func, index));
                }
            }
            ComponentItem::ComponentInstance(interface) => {
                let Some(at) = component.get_export_index(None, name) else {
                    continue;
                };
                for (func_name, item) in interface.exports(engine) {
                    if let ComponentItem::ComponentFunc(func) = item.ty
                        && let Some(index) = component.get_export_index(Some(&at), func_name)
                    {
                        let full = format!("{name}/{func_name}");
                        of_interfaces.push(Function::of(full, &func, index));
                    }
                }
            }
            _ => {}
        }
    }
    own.extend(of_interfaces);
    own
}
