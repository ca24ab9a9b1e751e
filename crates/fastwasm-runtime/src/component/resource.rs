//! The resources a component exports: each WIT `resource` with its
//! constructor, methods and static functions, found by the names the
//! component model gives them (`[constructor]counter`,
//! `[method]counter.up`, `[static]counter.merge`).

use wasmtime::component::ResourceType;
use wasmtime::component::types::{ComponentItem, Type};

use super::{Component, Function};
use crate::Error;
use crate::wit::kebab;

/// A resource a component exports.
#[derive(Debug, Clone)]
pub struct ResourceExport {
    /// Its WIT name: `counter`.
    pub name: String,
    /// The exported interface it belongs to (`fastwasm:echo/counters@0.1.0`),
    /// or `None` for one the component exports itself.
    pub interface: Option<String>,
    /// Its constructor, as a position in [`Component::functions`].
    pub constructor: Option<usize>,
    /// Its methods: the WIT name (`up`) and the position of the function.
    pub methods: Vec<(String, usize)>,
    /// Its static functions, the same way.
    pub statics: Vec<(String, usize)>,
    /// Its type as the component's functions name it (before any
    /// instance exists), to tell which resource a handle is.
    ty: ResourceType,
}

impl ResourceExport {
    /// Its full name: `interface/name`, or `name`.
    #[must_use]
    pub fn full_name(&self) -> String {
        match &self.interface {
            Some(interface) => format!("{interface}/{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The method named `name` (WIT or `snake_case` spelling): its function's position.
    #[must_use]
    pub fn method(&self, name: &str) -> Option<usize> {
        find(&self.methods, name)
    }

    /// The static function named `name`, the same way.
    #[must_use]
    pub fn static_function(&self, name: &str) -> Option<usize> {
        find(&self.statics, name)
    }

    /// Whether `ty` is a handle (`own` or `borrow`) of this resource.
    #[must_use]
    pub fn is_type_of(&self, ty: &Type) -> bool {
        matches!(ty, Type::Own(t) | Type::Borrow(t) if *t == self.ty)
    }
}

fn find(named: &[(String, usize)], name: &str) -> Option<usize> {
    let wanted = kebab(name);
    named
        .iter()
        .find(|(n, _)| *n == name || *n == wanted)
        .map(|&(_, i)| i)
}

/// What a function's WIT name says about a resource: `[constructor]r`,
/// `[method]r.m` or `[static]r.s`.
enum Role<'a> {
    Constructor(&'a str),
    Method(&'a str, &'a str),
    Static(&'a str, &'a str),
}

fn role(name: &str) -> Option<Role<'_>> {
    if let Some(resource) = name.strip_prefix("[constructor]") {
        return Some(Role::Constructor(resource));
    }
    if let Some(rest) = name.strip_prefix("[method]") {
        let (resource, method) = rest.split_once('.')?;
        return Some(Role::Method(resource, method));
    }
    let (resource, function) = name.strip_prefix("[static]")?.split_once('.')?;
    Some(Role::Static(resource, function))
}

/// Every resource the component (or one of its exported interfaces)
/// exports, with the positions of its functions in `functions`.
pub(super) fn resources(
    engine: &wasmtime::Engine,
    component: &wasmtime::component::Component,
    functions: &[Function],
) -> Vec<ResourceExport> {
    let mut found = Vec::new();
    let mut add = |interface: Option<&str>, name: &str, ty: ResourceType| {
        found.push(ResourceExport {
            name: name.to_owned(),
            interface: interface.map(str::to_owned),
            constructor: None,
            methods: Vec::new(),
            statics: Vec::new(),
            ty,
        });
    };
    for (name, item) in component.component_type().exports(engine) {
        match item.ty {
            ComponentItem::Resource(ty) => add(None, name, ty),
            ComponentItem::ComponentInstance(interface) => {
                for (inner, item) in interface.exports(engine) {
                    if let ComponentItem::Resource(ty) = item.ty {
                        add(Some(name), inner, ty);
                    }
                }
            }
            _ => {}
        }
    }
    for (position, function) in functions.iter().enumerate() {
        let (interface, local) = match function.name.rsplit_once('/') {
            Some((interface, local)) => (Some(interface), local),
            None => (None, function.name.as_str()),
        };
        let Some(role) = role(local) else { continue };
        let owner = match role {
            Role::Constructor(r) | Role::Method(r, _) | Role::Static(r, _) => r,
        };
        let Some(resource) = found
            .iter_mut()
            .find(|r| r.name == owner && r.interface.as_deref() == interface)
        else {
            continue;
        };
        match role {
            Role::Constructor(_) => resource.constructor = Some(position),
            Role::Method(_, method) => resource.methods.push((method.to_owned(), position)),
            Role::Static(_, function) => resource.statics.push((function.to_owned(), position)),
        }
    }
    found
}

impl Component {
    /// Every resource the component exports.
    #[must_use]
    pub fn resources(&self) -> &[ResourceExport] {
        &self.inner.resources
    }

    /// The resource named `name`: its WIT name (`counter`, when no other
    /// exported resource has it) or its full name
    /// (`fastwasm:echo/counters@0.1.0/counter`), in either spelling.
    ///
    /// # Errors
    /// [`Error::MissingExport`] when no resource has that name, or when
    /// two have it and the full name is needed.
    pub fn resource(&self, name: &str) -> Result<&ResourceExport, Error> {
        let wanted = kebab(name);
        let matches = |r: &&ResourceExport| {
            let full = r.full_name();
            [name, wanted.as_str()]
                .iter()
                .any(|n| *n == r.name || *n == full)
        };
        let mut found = self.inner.resources.iter().filter(matches);
        match (found.next(), found.next()) {
            (Some(resource), None) => Ok(resource),
            (Some(_), Some(_)) => Err(Error::MissingExport {
                name: format!("{name} (more than one interface exports it: give its full name)"),
            }),
            (None, _) => Err(Error::MissingExport {
                name: name.to_owned(),
            }),
        }
    }

    /// The exported resource whose handles have type `ty`, if any.
    #[must_use]
    pub fn resource_of(&self, ty: &Type) -> Option<&ResourceExport> {
        self.inner.resources.iter().find(|r| r.is_type_of(ty))
    }
}
