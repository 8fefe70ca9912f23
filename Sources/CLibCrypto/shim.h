// The system OpenSSL's libcrypto (libssl-dev): DES and two-key 3DES for payment
// cryptography (MACs, PIN blocks, key check values, keys under a master key), and SHA-256.
#include <openssl/evp.h>
#include <openssl/crypto.h>
