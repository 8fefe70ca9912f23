// The system OpenSSL's libcrypto (libssl-dev): DES and two-key 3DES for payment cryptography
// (MACs, PIN blocks, key check values, keys under a master key), and SHA-256.
//
// DES runs through libcrypto's DES key schedules (DES_set_key_unchecked, DES_ecb_encrypt,
// DES_ecb3_encrypt): no provider is involved, so single DES needs no legacy provider, and a
// key's schedule is computed once and reused for every block (a MAC is one call per block,
// not a cipher context per message). OpenSSL 3 marks this interface deprecated in favour of
// EVP, which costs a context and a provider fetch per key; the suppression below keeps the
// build free of those warnings.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/des.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>

static inline void paylab_des_schedule(const unsigned char *key, DES_key_schedule *schedule) {
    DES_set_key_unchecked((const_DES_cblock *)key, schedule);
}

static inline void paylab_des_ecb(const unsigned char *in, unsigned char *out, DES_key_schedule *schedule, int encrypt) {
    DES_ecb_encrypt((const_DES_cblock *)in, (DES_cblock *)out, schedule, encrypt);
}

static inline void paylab_des_ecb3(const unsigned char *in, unsigned char *out, DES_key_schedule *k1, DES_key_schedule *k2,
                                   DES_key_schedule *k3, int encrypt) {
    DES_ecb3_encrypt((const_DES_cblock *)in, (DES_cblock *)out, k1, k2, k3, encrypt);
}

// The CBC-MAC chain of `length` bytes (whole blocks) under one single-DES schedule, `chain` (8
// bytes) its IV in and its last block out: a MAC in one call, where one call per block cost a
// round trip through Swift's buffer access for each of the some 250 blocks a purchase MACs.
static inline void paylab_des_cbc_mac(const unsigned char *data, size_t length, DES_key_schedule *schedule, unsigned char *chain) {
    for (size_t offset = 0; offset + 8 <= length; offset += 8) {
        for (int index = 0; index < 8; index++) chain[index] ^= data[offset + index];
        DES_ecb_encrypt((const_DES_cblock *)chain, (DES_cblock *)chain, schedule, DES_ENCRYPT);
    }
}
