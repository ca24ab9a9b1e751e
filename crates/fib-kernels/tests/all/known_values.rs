//! F(0..=100) and big values against independent references.

use fib_kernels::{Algorithm, FibError, MAX_U64_N};

/// F(0) ..= F(100), from the OEIS A000045 table.
#[allow(
    clippy::unreadable_literal,
    reason = "a table copied from OEIS A000045"
)]
const TABLE: [u128; 101] = [
    0,
    1,
    1,
    2,
    3,
    5,
    8,
    13,
    21,
    34,
    55,
    89,
    144,
    233,
    377,
    610,
    987,
    1597,
    2584,
    4181,
    6765,
    10946,
    17711,
    28657,
    46368,
    75025,
    121393,
    196418,
    317811,
    514229,
    832040,
    1346269,
    2178309,
    3524578,
    5702887,
    9227465,
    14930352,
    24157817,
    39088169,
    63245986,
    102334155,
    165580141,
    267914296,
    433494437,
    701408733,
    1134903170,
    1836311903,
    2971215073,
    4807526976,
    7778742049,
    12586269025,
    20365011074,
    32951280099,
    53316291173,
    86267571272,
    139583862445,
    225851433717,
    365435296162,
    591286729879,
    956722026041,
    1548008755920,
    2504730781961,
    4052739537881,
    6557470319842,
    10610209857723,
    17167680177565,
    27777890035288,
    44945570212853,
    72723460248141,
    117669030460994,
    190392490709135,
    308061521170129,
    498454011879264,
    806515533049393,
    1304969544928657,
    2111485077978050,
    3416454622906707,
    5527939700884757,
    8944394323791464,
    14472334024676221,
    23416728348467685,
    37889062373143906,
    61305790721611591,
    99194853094755497,
    160500643816367088,
    259695496911122585,
    420196140727489673,
    679891637638612258,
    1100087778366101931,
    1779979416004714189,
    2880067194370816120,
    4660046610375530309,
    7540113804746346429,
    12200160415121876738,
    19740274219868223167,
    31940434634990099905,
    51680708854858323072,
    83621143489848422977,
    135301852344706746049,
    218922995834555169026,
    354224848179261915075,
];

const RECURSIVE_MAX_TESTED: u32 = 30;

#[test]
fn u64_kernels_match_the_table_up_to_93() {
    for algorithm in Algorithm::ALL {
        // The naive recursion makes about F(n) calls: F(30) is already 1.6 M.
        let last = if algorithm == Algorithm::Recursive {
            RECURSIVE_MAX_TESTED
        } else {
            MAX_U64_N
        };
        for n in 0..=last {
            let expected = u64::try_from(TABLE[n as usize]).unwrap();
            assert_eq!(algorithm.u64(n), Ok(expected), "{algorithm} F({n})");
        }
    }
}

#[test]
fn f93_is_the_largest_u64_and_f94_overflows() {
    for algorithm in [Algorithm::Iterative, Algorithm::FastDoubling] {
        assert_eq!(algorithm.u64(93), Ok(12_200_160_415_121_876_738));
    }
    for algorithm in Algorithm::ALL {
        for n in [94, 100, 1000, u32::MAX] {
            assert_eq!(
                algorithm.u64(n),
                Err(FibError::U64Overflow { n }),
                "{algorithm} F({n})"
            );
        }
    }
}

#[test]
fn decimal_matches_the_table_up_to_100() {
    for n in 0..=100_u32 {
        let expected = TABLE[n as usize].to_string();
        assert_eq!(
            fib_kernels::decimal(Algorithm::Iterative, n).unwrap(),
            expected
        );
        assert_eq!(
            fib_kernels::decimal(Algorithm::FastDoubling, n).unwrap(),
            expected
        );
    }
    assert_eq!(
        fib_kernels::decimal(Algorithm::Recursive, 30).unwrap(),
        TABLE[30].to_string()
    );
    assert_eq!(
        fib_kernels::decimal(Algorithm::Recursive, 94),
        Err(FibError::U64Overflow { n: 94 })
    );
}

#[test]
fn f1000_two_ways_with_209_digits() {
    let by_doubling = fib_kernels::decimal(Algorithm::FastDoubling, 1000).unwrap();
    let by_addition = fib_kernels::decimal(Algorithm::Iterative, 1000).unwrap();
    assert_eq!(by_doubling, by_addition);
    assert_eq!(by_doubling.len(), 209);
    assert!(by_doubling.starts_with("43466557686937456435"));
    assert!(by_doubling.ends_with("76137795166849228875"));
}

#[test]
fn f100000_two_ways_with_20899_digits() {
    let by_doubling = fib_kernels::decimal(Algorithm::FastDoubling, 100_000).unwrap();
    let by_addition = fib_kernels::decimal(Algorithm::Iterative, 100_000).unwrap();
    assert_eq!(by_doubling.len(), 20_899);
    assert_eq!(by_doubling, by_addition);
}
