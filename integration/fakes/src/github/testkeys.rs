//! Throwaway RSA keypairs for GitHub App tests, made at run time so no private
//! key is ever committed.

use rsa::PrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

/// A fresh 2048-bit RSA keypair as PEM strings: (private key in PKCS#8, public
/// key in SPKI). Give the public one to `AppConfig`, sign JWTs with the private
/// one (jsonwebtoken's `EncodingKey::from_rsa_pem`).
pub fn test_app_keypair() -> (String, String) {
    let key = PrivateKey::new(&mut getrandom::SysRng, 2048).expect("generate an RSA key");
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .expect("encode the private key")
        .to_string();
    let public = key
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("encode the public key");
    (private, public)
}
