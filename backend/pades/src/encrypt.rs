//! Just enough of the standard security handler (ISO 32000-1 §7.6.3, ISO 32000-2 §7.6.4) to tell
//! whether an encrypted file opens with the empty user password. The file is refused either way;
//! this only chooses the message ("needs a password" or "permissions restrict changes").

use aes::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::NoPadding};
use md5::{Digest, Md5};
use sha2::{Sha256, Sha384, Sha512};

use crate::document::Document;
use crate::object::{Dict, Object};

/// Padding string of Algorithm 2 step (a), §7.6.3.3.
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// Whether opening the document needs a (non-empty) user password. Unknown handlers count as
/// needing one.
pub(crate) fn needs_user_password(doc: &Document<'_>, encrypt: &Object) -> bool {
    let Ok(dict) = doc.resolve_dict(encrypt, "/Encrypt") else {
        return true;
    };
    if dict.get_name(b"Filter") != Some(b"Standard") {
        return true;
    }
    !empty_user_password_opens(&dict, doc.id_first().as_deref().unwrap_or(&[]))
}

fn bytes<'d>(dict: &'d Dict, key: &[u8]) -> Option<&'d [u8]> {
    match dict.get(key) {
        Some(Object::Str(s)) => Some(s),
        _ => None,
    }
}

fn empty_user_password_opens(dict: &Dict, id0: &[u8]) -> bool {
    let r = dict.get_int(b"R").unwrap_or(0);
    let (Some(o), Some(u)) = (bytes(dict, b"O"), bytes(dict, b"U")) else {
        return false;
    };
    match r {
        2..=4 => {
            let p = dict.get_int(b"P").unwrap_or(0) as i32;
            let len_bits = dict.get_int(b"Length").unwrap_or(40);
            let n = if r == 2 {
                5
            } else {
                usize::try_from(len_bits / 8).unwrap_or(5).clamp(5, 16)
            };
            let encrypt_metadata =
                !matches!(dict.get(b"EncryptMetadata"), Some(Object::Bool(false)));
            // Algorithm 2 with the empty password.
            let mut h = Md5::new();
            h.update(PAD);
            h.update(o.get(..32).unwrap_or(o));
            h.update(p.to_le_bytes());
            h.update(id0);
            if r >= 4 && !encrypt_metadata {
                h.update([0xff; 4]);
            }
            let mut key = h.finalize().to_vec();
            if r >= 3 {
                for _ in 0..50 {
                    key = Md5::digest(&key[..n]).to_vec();
                }
            }
            key.truncate(n);
            if r == 2 {
                // Algorithm 4.
                rc4(&key, &PAD) == u.get(..32).unwrap_or(u)
            } else {
                // Algorithm 5.
                let mut h = Md5::new();
                h.update(PAD);
                h.update(id0);
                let mut x = rc4(&key, &h.finalize());
                for i in 1..=19u8 {
                    let k: Vec<u8> = key.iter().map(|b| b ^ i).collect();
                    x = rc4(&k, &x);
                }
                u.len() >= 16 && x[..16] == u[..16]
            }
        }
        5 | 6 => {
            if u.len() < 48 {
                return false;
            }
            let salt = &u[32..40];
            let hash = if r == 5 {
                Sha256::digest(salt).to_vec()
            } else {
                hash_2b(b"", salt, &[])
            };
            hash[..32] == u[..32]
        }
        _ => false,
    }
}

/// Algorithm 2.B of ISO 32000-2 §7.6.4.3.4 (revision 6).
fn hash_2b(password: &[u8], salt: &[u8], udata: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(password);
    h.update(salt);
    h.update(udata);
    let mut k = h.finalize().to_vec();
    let mut round = 0u32;
    loop {
        let mut k1 = Vec::with_capacity(64 * (password.len() + k.len() + udata.len()));
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let Ok(enc) = cbc::Encryptor::<aes::Aes128>::new_from_slices(&k[..16], &k[16..32]) else {
            return k;
        };
        let len = k1.len();
        let Ok(e) = enc.encrypt_padded::<NoPadding>(&mut k1, len) else {
            return k;
        };
        let e = e.to_vec();
        let m = e[..16].iter().map(|b| u32::from(*b)).sum::<u32>() % 3;
        k = match m {
            0 => Sha256::digest(&e).to_vec(),
            1 => Sha384::digest(&e).to_vec(),
            _ => Sha512::digest(&e).to_vec(),
        };
        round += 1;
        let last = u32::from(*e.last().unwrap_or(&0));
        if round >= 64 && last + 32 <= round {
            break;
        }
        if round > 4096 {
            break;
        }
    }
    k.truncate(32);
    k
}

/// RC4 (the stream cipher of §7.6.2), used only to check the empty password.
fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(s[i]).wrapping_add(key[i % key.len().max(1)]);
        s.swap(i, j as usize);
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[i as usize]);
            s.swap(i as usize, j as usize);
            b ^ s[(s[i as usize].wrapping_add(s[j as usize])) as usize]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc4_matches_the_classic_test_vector() {
        // "Key" / "Plaintext" → BBF316E8D940AF0AD3
        assert_eq!(
            rc4(b"Key", b"Plaintext"),
            [0xBB, 0xF3, 0x16, 0xE8, 0xD9, 0x40, 0xAF, 0x0A, 0xD3]
        );
    }
}
