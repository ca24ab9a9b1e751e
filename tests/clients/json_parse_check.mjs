// JavaScript's JSON.parse against a running server: every answer parses, and
// `digits` holds F(n) exactly, checked against BigInt arithmetic done here.
// Usage: node json_parse_check.mjs BASE_URL N...   (exit 1 on any mismatch)
"use strict";

const [base, ...ns] = process.argv.slice(2);
const MAX_U64_N = 93;

/** F(n) by fast doubling in BigInt: independent of the server's kernels. */
function fib(n) {
  let a = 0n;
  let b = 1n;
  for (const bit of n.toString(2)) {
    const c = a * (2n * b - a);
    const d = a * a + b * b;
    [a, b] = bit === "1" ? [d, c + d] : [c, d];
  }
  return a;
}

const failures = [];
const checked = [];
for (const text of ns) {
  const n = Number(text);
  const expected = fib(BigInt(n)).toString();
  for (const route of ["fibonacci", "fibonacci-wasm", "fibonacci-native", "compare"]) {
    const url = `${base}/${route}/${n}?algorithm=fast_doubling`;
    const response = await fetch(url);
    if (response.status === 404 && route === "fibonacci") continue; // fastwasm-server: no Python method
    const body = JSON.parse(await response.text());
    const results = route === "compare" ? body.results : [body];
    for (const result of results) {
      const where = `${route} n=${n} ${result.method}`;
      if (result.digits !== expected) failures.push(`${where}: digits differ`);
      if (n <= MAX_U64_N) {
        if (typeof result.fibonacci !== "number") failures.push(`${where}: fibonacci is not a number`);
      } else if (result.fibonacci !== expected) {
        failures.push(`${where}: fibonacci is not the decimal string`);
      }
      checked.push(where);
    }
  }
}
console.log(JSON.stringify({ checked: checked.length, failures }));
process.exit(failures.length === 0 ? 0 : 1);
