use fastwasm_runtime::{Error, Signature, Value, ValueType};

use crate::{BOTH, misbehaving};

#[test]
fn scalar_calls_of_every_type() {
    for isolation in BOTH {
        let module = misbehaving(isolation);
        assert_eq!(
            module
                .call("add", &[Value::I32(40), Value::I32(2)])
                .unwrap(),
            [Value::I32(42)]
        );
        let mixed = module
            .call(
                "mixed",
                &[
                    Value::I32(1),
                    Value::I64(2),
                    Value::F32(0.5),
                    Value::F64(0.25),
                ],
            )
            .unwrap();
        assert_eq!(mixed, [Value::F64(3.75)]);
        assert_eq!(
            module
                .call("spin_free_export_missing", &[])
                .unwrap_err()
                .to_string(),
            "the module has no exported function `spin_free_export_missing`"
        );
    }
}

#[test]
fn exports_are_listed_with_signatures() {
    let module = misbehaving(fastwasm_runtime::Isolation::Pooled);
    let add = module.exports().iter().find(|e| e.name == "add").unwrap();
    assert_eq!(
        add.signature,
        Some(Signature::new(
            &[ValueType::I32, ValueType::I32],
            &[ValueType::I32]
        ))
    );
    assert_eq!(
        add.signature.as_ref().unwrap().to_string(),
        "(i32, i32) -> i32"
    );
    let takes_ref = module
        .exports()
        .iter()
        .find(|e| e.name == "takes_ref")
        .unwrap();
    assert_eq!(takes_ref.signature, None);
}

#[test]
fn arguments_are_checked_against_the_signature() {
    let module = misbehaving(fastwasm_runtime::Isolation::Pooled);
    let error = module
        .call("add", &[Value::I64(1), Value::I32(2)])
        .unwrap_err();
    assert!(
        matches!(&error, Error::WrongSignature { name, .. } if name == "add"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "`add` has signature (i32, i32) -> i32, but the call needs (i64, i32)"
    );
    let error = module.call("add", &[Value::I32(1)]).unwrap_err();
    assert!(matches!(error, Error::WrongSignature { .. }));
    let error = module.call("takes_ref", &[]).unwrap_err();
    assert!(error.to_string().contains("a non-scalar type"), "{error}");
}

#[test]
fn pooled_instances_keep_state_and_per_call_ones_do_not() {
    let pooled = misbehaving(fastwasm_runtime::Isolation::Pooled);
    // Pooled instances are reused, so their globals keep counting.
    let counts: Vec<_> = (0..10)
        .map(|_| pooled.call("count", &[]).unwrap())
        .collect();
    assert!(counts.iter().any(|c| c[0] != Value::I32(1)), "{counts:?}");
    let per_call = misbehaving(fastwasm_runtime::Isolation::PerCall);
    for _ in 0..3 {
        assert_eq!(per_call.call("count", &[]).unwrap(), [Value::I32(1)]);
    }
}
