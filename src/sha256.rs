//! SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the wasm build.
//!
//! Why not `sha2` there: WebAssembly has no SHA instructions, so `sha2`
//! falls back to its portable code, which mirrors the x86 SHA extensions
//! (four-word vectors) rather than a scalar machine. The code here is
//! 15-20% faster under V8 (`benches/verify.mjs`, and a scratch benchmark of
//! the variants). A plain transcription of FIPS 180-4 (fully unrolled
//! rounds, state and a 16-word rolling message schedule in locals) only
//! matched `sha2`; the gain comes from writing the sigma functions as nested
//! rotations, which saves register copies once V8 compiles them for a
//! two-operand instruction set, and from Maj reusing the previous round's
//! `a ^ b`.
//!
//! Native builds keep `hmac` + `sha2`, which use SHA-NI where the CPU has
//! it; the tests below check this code against them.

/// SHA-256 works on 64-byte blocks.
const BLOCK_LEN: usize = 64;
/// A SHA-256 digest, and so an HMAC-SHA256 tag, is 32 bytes.
pub(crate) const DIGEST_LEN: usize = 32;

/// Round constants, FIPS 180-4 section 4.2.2.
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
];

/// Initial hash value, FIPS 180-4 section 5.3.3.
const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// Compresses each whole 64-byte block of `blocks` into `state` (a
/// trailing partial block is the caller's to buffer). The one place the
/// unrolled rounds are expanded, so the wasm holds a single copy of them.
#[inline(never)]
fn compress(state: &mut [u32; 8], blocks: &[u8]) {
    for chunk in blocks.chunks_exact(BLOCK_LEN) {
        // Always a whole block: the conversion cannot fail and compiles away.
        if let Ok(block) = <&[u8; BLOCK_LEN]>::try_from(chunk) {
            compress_block(state, block);
        }
    }
}

/// FIPS 180-4 section 6.2.2 for one block.
#[inline(always)]
fn compress_block(state: &mut [u32; 8], block: &[u8; BLOCK_LEN]) {
    let mut words = [0u32; 16];
    for (word, bytes) in words.iter_mut().zip(block.chunks_exact(4)) {
        // Always 4 bytes: the fallback is never taken and compiles away.
        *word = <[u8; 4]>::try_from(bytes).map_or(0, u32::from_be_bytes);
    }
    let [mut w0, mut w1, mut w2, mut w3, mut w4, mut w5, mut w6, mut w7, mut w8, mut w9, mut w10, mut w11, mut w12, mut w13, mut w14, mut w15] =
        words;
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)), and this round's a ^ b is the
    // next round's b ^ c: one operation fewer per round.
    let mut bc = b ^ c;

    // One round, the eight working variables renamed instead of shifted.
    // Sigma1(e) = ror6(e ^ ror5(e ^ ror14(e))) equals
    // ror6(e) ^ ror11(e) ^ ror25(e); likewise Sigma0.
    macro_rules! round {
        ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $i:expr, $w:ident) => {
            let sigma1 = ($e ^ ($e ^ $e.rotate_right(14)).rotate_right(5)).rotate_right(6);
            let ch = $g ^ ($e & ($f ^ $g));
            let t1 = $h.wrapping_add(K[$i]).wrapping_add($w).wrapping_add(ch).wrapping_add(sigma1);
            let sigma0 = ($a ^ ($a ^ $a.rotate_right(9)).rotate_right(11)).rotate_right(2);
            let ab = $a ^ $b;
            let t2 = sigma0.wrapping_add($b ^ (ab & bc));
            #[allow(unused_assignments)] // not read after the last round
            {
                bc = ab;
            }
            $d = $d.wrapping_add(t1);
            $h = t1.wrapping_add(t2);
        };
    }
    macro_rules! rounds16 {
        ($i:expr) => {
            round!(a, b, c, d, e, f, g, h, $i, w0);
            round!(h, a, b, c, d, e, f, g, $i + 1, w1);
            round!(g, h, a, b, c, d, e, f, $i + 2, w2);
            round!(f, g, h, a, b, c, d, e, $i + 3, w3);
            round!(e, f, g, h, a, b, c, d, $i + 4, w4);
            round!(d, e, f, g, h, a, b, c, $i + 5, w5);
            round!(c, d, e, f, g, h, a, b, $i + 6, w6);
            round!(b, c, d, e, f, g, h, a, $i + 7, w7);
            round!(a, b, c, d, e, f, g, h, $i + 8, w8);
            round!(h, a, b, c, d, e, f, g, $i + 9, w9);
            round!(g, h, a, b, c, d, e, f, $i + 10, w10);
            round!(f, g, h, a, b, c, d, e, $i + 11, w11);
            round!(e, f, g, h, a, b, c, d, $i + 12, w12);
            round!(d, e, f, g, h, a, b, c, $i + 13, w13);
            round!(c, d, e, f, g, h, a, b, $i + 14, w14);
            round!(b, c, d, e, f, g, h, a, $i + 15, w15);
        };
    }
    // W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16], kept
    // modulo 16 in place; sigma0 and sigma1 as nested rotations too.
    macro_rules! expand {
        ($w0:ident, $w1:ident, $w9:ident, $w14:ident) => {
            $w0 = $w0
                .wrapping_add(($w1 ^ $w1.rotate_right(11)).rotate_right(7) ^ ($w1 >> 3))
                .wrapping_add($w9)
                .wrapping_add(($w14 ^ $w14.rotate_right(2)).rotate_right(17) ^ ($w14 >> 10));
        };
    }
    macro_rules! expand16 {
        () => {
            expand!(w0, w1, w9, w14);
            expand!(w1, w2, w10, w15);
            expand!(w2, w3, w11, w0);
            expand!(w3, w4, w12, w1);
            expand!(w4, w5, w13, w2);
            expand!(w5, w6, w14, w3);
            expand!(w6, w7, w15, w4);
            expand!(w7, w8, w0, w5);
            expand!(w8, w9, w1, w6);
            expand!(w9, w10, w2, w7);
            expand!(w10, w11, w3, w8);
            expand!(w11, w12, w4, w9);
            expand!(w12, w13, w5, w10);
            expand!(w13, w14, w6, w11);
            expand!(w14, w15, w7, w12);
            expand!(w15, w0, w8, w13);
        };
    }

    rounds16!(0);
    expand16!();
    rounds16!(16);
    expand16!();
    rounds16!(32);
    expand16!();
    rounds16!(48);

    for (word, add) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *word = word.wrapping_add(add);
    }
}

/// An incremental SHA-256.
#[derive(Clone)]
pub(crate) struct Sha256 {
    state: [u32; 8],
    /// The bytes of a partial block, `buffer[..buffered]`.
    buffer: [u8; BLOCK_LEN],
    /// Always less than [`BLOCK_LEN`].
    buffered: usize,
    /// Bytes hashed so far, the buffered ones included.
    length: u64,
}

impl Sha256 {
    pub(crate) fn new() -> Self {
        Sha256 { state: IV, buffer: [0; BLOCK_LEN], buffered: 0, length: 0 }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        // FIPS 180-4 caps messages at 2^64 bits; wrapping is what every
        // implementation does past that (and no body gets near it).
        self.length = self.length.wrapping_add(data.len() as u64);
        let mut data = data;
        if self.buffered > 0 {
            let take = data.len().min(BLOCK_LEN - self.buffered);
            // `take` is at most `data.len()`: the fallback is never taken.
            let (head, rest) = data.split_at_checked(take).unwrap_or((data, &[]));
            for (slot, byte) in self.buffer.iter_mut().skip(self.buffered).zip(head) {
                *slot = *byte;
            }
            self.buffered += head.len();
            data = rest;
            if self.buffered < BLOCK_LEN {
                return;
            }
            compress(&mut self.state, &self.buffer);
            self.buffered = 0;
        }
        // `compress` takes the whole blocks; the rest waits in the buffer.
        let tail = data.chunks_exact(BLOCK_LEN).remainder();
        compress(&mut self.state, data);
        for (slot, byte) in self.buffer.iter_mut().zip(tail) {
            *slot = *byte;
        }
        self.buffered = tail.len();
    }

    pub(crate) fn finalize(self) -> [u8; DIGEST_LEN] {
        let Sha256 { mut state, buffer, buffered, length } = self;
        // Padding (FIPS 180-4 section 5.1.1): 0x80, zeros to 56 bytes modulo
        // 64, then the message length in bits as a big-endian u64.
        let mut block = [0u8; BLOCK_LEN];
        for (slot, byte) in block.iter_mut().zip(buffer.iter().take(buffered).chain(&[0x80])) {
            *slot = *byte;
        }
        if buffered >= BLOCK_LEN - 8 {
            compress(&mut state, &block);
            block = [0; BLOCK_LEN];
        }
        for (slot, byte) in block.iter_mut().skip(BLOCK_LEN - 8).zip(length.wrapping_mul(8).to_be_bytes()) {
            *slot = byte;
        }
        compress(&mut state, &block);
        let mut digest = [0u8; DIGEST_LEN];
        for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
            for (slot, byte) in bytes.iter_mut().zip(word.to_be_bytes()) {
                *slot = byte;
            }
        }
        digest
    }
}

/// HMAC-SHA256 with the key's inner and outer padded blocks compressed
/// once: a clone per message then hashes only the message.
#[derive(Clone)]
pub(crate) struct HmacSha256 {
    /// SHA-256 of `(key ^ ipad) || message so far`.
    inner: Sha256,
    /// The state after compressing `key ^ opad`.
    outer: [u32; 8],
}

impl HmacSha256 {
    /// Keys of any length, as RFC 2104 says: longer than a block are
    /// hashed first, shorter are padded with zeros.
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut padded = [0u8; BLOCK_LEN];
        if key.len() > BLOCK_LEN {
            let mut hasher = Sha256::new();
            hasher.update(key);
            for (slot, byte) in padded.iter_mut().zip(hasher.finalize()) {
                *slot = byte;
            }
        } else {
            for (slot, byte) in padded.iter_mut().zip(key) {
                *slot = *byte;
            }
        }
        let mut inner = Sha256::new();
        inner.update(&padded.map(|byte| byte ^ 0x36));
        let mut outer = IV;
        compress(&mut outer, &padded.map(|byte| byte ^ 0x5c));
        HmacSha256 { inner, outer }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    pub(crate) fn finalize(self) -> [u8; DIGEST_LEN] {
        let inner = self.inner.finalize();
        let mut outer = Sha256 { state: self.outer, buffer: [0; BLOCK_LEN], buffered: 0, length: BLOCK_LEN as u64 };
        outer.update(&inner);
        outer.finalize()
    }

    /// Whether the MAC equals `tag`, in constant time: every byte is
    /// compared, and `black_box` keeps the optimizer from turning the fold
    /// into an early exit.
    pub(crate) fn verify(self, tag: &[u8; DIGEST_LEN]) -> bool {
        let mac = self.finalize();
        let diff = mac.iter().zip(tag).fold(0u8, |diff, (x, y)| core::hint::black_box(diff | (x ^ y)));
        diff == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::Mac;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn sha256(data: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(data);
        hex(&hasher.finalize())
    }

    fn hmac(key: &[u8], data: &[u8]) -> String {
        let mut mac = HmacSha256::new(key);
        mac.update(data);
        hex(&mac.finalize())
    }

    /// Deterministic bytes, different for each `seed`.
    fn bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect()
    }

    #[test]
    fn fips_180_sha256_vectors() {
        assert_eq!(sha256(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(
            sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(sha256(&[b'a'; 1_000_000]), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }

    #[test]
    fn rfc_4231_hmac_sha256_vectors() {
        let key_25: Vec<u8> = (1..=25).collect();
        let large_key = [0xaa; 131];
        let cases: [(&[u8], &[u8], &str); 7] = [
            (&[0x0b; 20], b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (&[0xaa; 20], &[0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (&key_25, &[0xcd; 50], "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            // Test case 5 lists only the first 128 bits.
            (&[0x0c; 20], b"Test With Truncation", "a3b6167473100ee06e0c796c2955552b"),
            (
                &large_key,
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                &large_key,
                b"This is a test using a larger than block-size key and a larger than block-size data. \
                  The key needs to be hashed before being used by the HMAC algorithm.",
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ];
        for (index, (key, data, expected)) in cases.into_iter().enumerate() {
            assert!(hmac(key, data).starts_with(expected), "RFC 4231 test case {}", index + 1);
        }
    }

    /// Every length around the block and padding boundaries (55, 56, 63,
    /// 64, ...), some large ones, against `sha2` and `hmac` + `sha2`.
    #[test]
    fn matches_sha2_and_hmac_crates() {
        let lengths = (0..=300).chain([447, 448, 511, 512, 1000, 4095, 4096, 16 * 1024 + 7, 65_537, (1 << 20) + 3]);
        let key_lengths = [0, 1, 16, 31, 32, 55, 56, 63, 64, 65, 100, 128, 129, 200];
        for (seed, len) in lengths.enumerate() {
            let data = bytes(len, seed as u64);
            assert_eq!(sha256(&data), hex(&<sha2::Sha256 as sha2::Digest>::digest(&data)), "sha256, {len} bytes");
            for key_len in key_lengths {
                let key = bytes(key_len, !(seed as u64));
                let mut reference = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
                reference.update(&data);
                let expected = hex(&reference.finalize().into_bytes());
                assert_eq!(hmac(&key, &data), expected, "hmac, {key_len}-byte key, {len} bytes");
            }
        }
    }

    /// The same MAC however the message is split across `update` calls, and
    /// from a clone of a keyed state (as `Key` uses it).
    #[test]
    fn split_updates_and_clones_agree() {
        let key = bytes(40, 1);
        let data = bytes(1000, 2);
        let keyed = HmacSha256::new(&key);
        let whole = hmac(&key, &data);
        for first in [0, 1, 7, 55, 56, 63, 64, 65, 127, 128, 129, 500, 999, 1000] {
            for second in [0, 1, 9, 64, 100] {
                let (a, rest) = data.split_at(first);
                let (b, c) = rest.split_at(second.min(rest.len()));
                let mut mac = keyed.clone();
                mac.update(a);
                mac.update(&[]);
                mac.update(b);
                mac.update(c);
                assert_eq!(hex(&mac.finalize()), whole, "split at {first}, then {second}");
            }
        }
        // Byte by byte.
        let mut mac = keyed.clone();
        for byte in &data {
            mac.update(std::slice::from_ref(byte));
        }
        assert_eq!(hex(&mac.finalize()), whole);
    }

    #[test]
    fn verify_compares_the_whole_tag() {
        let mut mac = HmacSha256::new(b"key");
        mac.update(b"message");
        let tag = mac.clone().finalize();
        assert!(mac.clone().verify(&tag));
        for index in 0..DIGEST_LEN {
            let mut bad = tag;
            bad[index] ^= 1;
            assert!(!mac.clone().verify(&bad), "byte {index} flipped");
        }
    }
}
