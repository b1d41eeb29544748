/* SPDX-License-Identifier: MIT */
/* The line memo gives back only what was stored under the very same key, forgets on clear, stays within
 * its slots by evicting the least recently used of a set, and refuses what does not fit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "line_memo.h"
#include "test_common.h"
#include "vfioexplain/limits.h"

/* Fetched ahead first, as analysis.c does for a batch of lines: that must change nothing a look-up finds. */
static const char *get(LineMemo *m, uint64_t hash, const char *key) {
        size_t len;
        line_memo_prefetch_set(m, hash);
        line_memo_prefetch_slots(m, hash);
        return line_memo_get(m, hash, key, strlen(key), &len);
}

static void put(LineMemo *m, uint64_t hash, const char *key, const char *payload) {
        assert_int_equal(line_memo_put(m, hash, key, strlen(key), payload, strlen(payload) + 1), 0);
}

static void test_same_key_only(void **state) {
        LineMemo *m;
        size_t len = 0;
        assert_int_equal(line_memo_new(&m), 0);
        const char *k = "pci 0000:01:00.0: Adding to iommu group 15";
        assert_null(get(m, hash_bytes(k, strlen(k)), k));
        put(m, hash_bytes(k, strlen(k)), k, "fifteen");
        assert_string_equal(line_memo_get(m, hash_bytes(k, strlen(k)), k, strlen(k), &len), "fifteen");
        assert_int_equal(len, 8);
        /* Same hash, other bytes or length: a collision is never taken for the key. */
        assert_null(get(m, hash_bytes(k, strlen(k)), "pci 0000:01:00.0: Adding to iommu group 16"));
        assert_null(line_memo_get(m, hash_bytes(k, strlen(k)), k, strlen(k) - 1, &len));
        line_memo_clear(m);
        assert_null(get(m, hash_bytes(k, strlen(k)), k));
        put(m, hash_bytes(k, strlen(k)), k, "again");
        assert_string_equal(get(m, hash_bytes(k, strlen(k)), k), "again");
        line_memo_free(m);
}

#define WAYS VX_LINE_MEMO_WAYS

/* Keys of one set (their hashes alike in the low bits): one more than it holds evicts the least recently
 * used. */
static void test_eviction(void **state) {
        LineMemo *m;
        char keys[WAYS + 1][8];
        assert_int_equal(line_memo_new(&m), 0);
        for (unsigned i = 0; i <= WAYS; i++)
                snprintf(keys[i], sizeof(keys[i]), "key%u", i);
        for (unsigned i = 0; i < WAYS; i++)
                put(m, (uint64_t) i << 40, keys[i], keys[i]);
        assert_non_null(get(m, 0, keys[0])); /* key1 is now the least recently used */
        put(m, (uint64_t) WAYS << 40, keys[WAYS], keys[WAYS]);
        assert_null(get(m, (uint64_t) 1 << 40, keys[1]));
        for (unsigned i = 0; i <= WAYS; i++)
                if (i != 1)
                        assert_string_equal(get(m, (uint64_t) i << 40, keys[i]), keys[i]);
        /* Another set is not touched. */
        put(m, 1, keys[1], keys[1]);
        assert_string_equal(get(m, 0, keys[0]), keys[0]);
        line_memo_free(m);
}

/* Two messages more than a set holds, said in turn over and over: plain LRU evicted each just before it
 * came again and found none. Now most are found, and a key nobody looks up again still leaves. */
static void test_cycle_longer_than_a_set(void **state) {
        enum { N = WAYS + 2, ROUNDS = 100 };
        LineMemo *m;
        char keys[N][8];
        unsigned found = 0;
        assert_int_equal(line_memo_new(&m), 0);
        for (unsigned i = 0; i < N; i++)
                snprintf(keys[i], sizeof(keys[i]), "key%u", i);
        for (unsigned round = 0; round < ROUNDS; round++)
                for (unsigned i = 0; i < N; i++) {
                        if (get(m, (uint64_t) i << 40, keys[i]))
                                found++;
                        else
                                put(m, (uint64_t) i << 40, keys[i], keys[i]);
                }
        /* WAYS - 1 of them stay, the other three share the last slot (but when a new key comes in as the
         * most recently used). */
        assert_in_range(found, (WAYS - 1) * ROUNDS * 9 / 10, N * ROUNDS);
        /* Keys stored once and never looked up again give way to new ones. */
        for (unsigned i = 0; i < 4 * 16 * WAYS; i++) {
                char k[16];
                snprintf(k, sizeof(k), "new%u", i);
                put(m, (uint64_t) (i + N) << 40, k, k);
        }
        for (unsigned i = 0; i < N; i++)
                assert_null(get(m, (uint64_t) i << 40, keys[i]));
        line_memo_free(m);
}

/* A key and its payload share a slot: together at most VX_LINE_MEMO_ENTRY_MAX bytes, the payload given back
 * whole after a key of any length. */
static void test_too_long(void **state) {
        LineMemo *m;
        char big[VX_LINE_MEMO_ENTRY_MAX + 2];
        size_t len;
        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (char) ('a' + i % 26);
        assert_int_equal(line_memo_new(&m), 0);
        assert_int_equal(line_memo_put(m, 7, big, VX_LINE_MEMO_ENTRY_MAX + 1, "", 0), -E2BIG);
        assert_null(line_memo_get(m, 7, big, VX_LINE_MEMO_ENTRY_MAX + 1, &len));
        assert_int_equal(line_memo_put(m, 7, big, VX_LINE_MEMO_ENTRY_MAX - 3, "pqrs", 4), -E2BIG);
        assert_null(line_memo_get(m, 7, big, VX_LINE_MEMO_ENTRY_MAX - 3, &len));
        assert_int_equal(line_memo_put(m, 7, "k", 1, big, VX_LINE_MEMO_ENTRY_MAX), -E2BIG);
        assert_null(line_memo_get(m, 7, "k", 1, &len));
        for (size_t key_len = 0; key_len <= VX_LINE_MEMO_ENTRY_MAX; key_len++) {
                size_t payload_len = VX_LINE_MEMO_ENTRY_MAX - key_len;
                uint64_t hash = (uint64_t) key_len << 40;
                assert_int_equal(line_memo_put(m, hash, big, key_len, big + 1, payload_len), 0);
                const char *p = line_memo_get(m, hash, big, key_len, &len);
                assert_non_null(p);
                assert_int_equal(len, payload_len);
                assert_memory_equal(p, big + 1, payload_len);
        }
        line_memo_free(m);
}

/* A key that differs from the stored one in any byte is not found, though its hash (so its set and tag)
 * is the same: the compare reads every byte of every length. */
static void test_same_hash_other_key(void **state) {
        LineMemo *m;
        char key[VX_LINE_MEMO_ENTRY_MAX], other[VX_LINE_MEMO_ENTRY_MAX];
        size_t len;
        for (size_t i = 0; i < sizeof(key); i++)
                key[i] = (char) ('A' + i % 26);
        assert_int_equal(line_memo_new(&m), 0);
        for (size_t key_len = 1; key_len < VX_LINE_MEMO_ENTRY_MAX; key_len++) {
                uint64_t hash = UINT64_C(0x9e3779b97f4a7c15) * key_len;
                assert_int_equal(line_memo_put(m, hash, key, key_len, "p", 1), 0);
                for (size_t at = 0; at < key_len; at++) {
                        memcpy(other, key, key_len);
                        other[at] ^= 0x20;
                        assert_null(line_memo_get(m, hash, other, key_len, &len));
                }
                assert_non_null(line_memo_get(m, hash, key, key_len, &len));
        }
        line_memo_free(m);
}

/* hash_bytes reads every byte, whatever the length and alignment: in the byte-wise short case, in both
 * lanes, and in the overlapping last words (every length up to the largest key and beyond). */
static void test_hash_bytes(void **state) {
        char buf[VX_LINE_MEMO_ENTRY_MAX + 40] = {0};
        for (size_t len = 1; len < sizeof(buf) - 1; len++)
                for (size_t at = 0; at < len; at++) {
                        uint64_t h = hash_bytes(buf + 1, len);
                        buf[1 + at] = 1;
                        assert_true(hash_bytes(buf + 1, len) != h);
                        buf[1 + at] = 0;
                }
        assert_true(hash_bytes(buf, 3) != hash_bytes(buf, 4));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_same_key_only),           cmocka_unit_test(test_eviction),
                cmocka_unit_test(test_cycle_longer_than_a_set), cmocka_unit_test(test_too_long),
                cmocka_unit_test(test_same_hash_other_key),     cmocka_unit_test(test_hash_bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
