/* SPDX-License-Identifier: MIT */
/* The literal prefilter: an Aho-Corasick automaton (Hyperscan on large inputs) over the rules' contents. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef VX_HAVE_HYPERSCAN
#include <hs/hs.h>
#endif

#include "byteorder.h"
#include "dlopen.h"
#include "prefilter.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

#ifdef VX_HAVE_HYPERSCAN
/* What a database needs from the library that made it: libhs, whose compiler a rule set of its own needs,
 * or, for the database of the shipped rules compiled at build time, libhs_runtime (Debian's and Hyperscan's
 * own build ship it), which holds no compiler: the compiler's code and the libstdc++ it needs are never
 * loaded then (prefilter_literal_db_encode()). Each library's database and scratch go to its own functions.
 */
#ifndef VX_SONAME_HS_RUNTIME
#define VX_SONAME_HS_RUNTIME VX_SONAME_HS
#endif
typedef struct HsLib {
        void *dl;
        __typeof__(hs_alloc_scratch) *alloc_scratch;
        __typeof__(hs_deserialize_database) *deserialize_database;
        __typeof__(hs_free_database) *free_database;
        __typeof__(hs_free_scratch) *free_scratch;
        __typeof__(hs_scan) *scan;
        __typeof__(hs_valid_platform) *valid_platform;
} HsLib;
static HsLib hs_full, hs_runtime;
static void *libhs_compiler;
DLSYM_PROTOTYPE(hs_compile_lit_multi);
DLSYM_PROTOTYPE(hs_free_compile_error);
DLSYM_PROTOTYPE(hs_serialize_database);

static int hs_lib_load(HsLib *lib, const char *soname) {
        int r = dlopen_many_sym(&lib->dl, soname, NULL, (void **) &lib->alloc_scratch, "hs_alloc_scratch",
                                (void **) &lib->deserialize_database, "hs_deserialize_database",
                                (void **) &lib->free_database, "hs_free_database",
                                (void **) &lib->free_scratch, "hs_free_scratch", (void **) &lib->scan,
                                "hs_scan", (void **) &lib->valid_platform, "hs_valid_platform", NULL);
        if (r < 0)
                return r;
        return lib->valid_platform() == HS_SUCCESS ? 0 : -EOPNOTSUPP;
}

static int hs_compiler_load(void) {
        return dlopen_many_sym(&libhs_compiler, VX_SONAME_HS, NULL, DLSYM_ARG(hs_compile_lit_multi),
                               DLSYM_ARG(hs_free_compile_error), DLSYM_ARG(hs_serialize_database), NULL);
}
#endif

/* While the trie is built, each node's children are a list through the node array (first kid, next
 * sibling), so that building it allocates nothing per node: it is built at every start, for a log of 20
 * lines as for one of a gigabyte. Then each node's children are laid out side by side (kid_key, kid_node
 * from kid_start), for the scan. */
typedef struct Node {
        uint32_t first_kid; /* 0: none (the root is never anyone's kid) */
        uint32_t next_sibling;
        uint32_t kid_start, n_kids;
        uint8_t key; /* the byte that leads here from the parent */
        uint32_t fail;
        uint32_t dict; /* the nearest node on the fail chain with outputs, 0 if none */
        uint32_t out_start; /* outputs: ids[out_start .. out_start + n_out) */
        uint32_t n_out;
        uint32_t dense; /* 1 + the node's row of dense transitions, 0: none (its kids are few) */
} Node;

struct Prefilter {
        Node *nodes;
        uint32_t n_nodes, cap_nodes;
        uint32_t root_next[256]; /* dense transitions of the root, where most bytes land */
        uint8_t *kid_key;
        uint32_t *kid_node;
        uint32_t *dense; /* rows of 256 transitions of the nodes with many kids */
        uint32_t *ids;
        /* The patterns again, for a Hyperscan database built when the input turns out large. */
        char **patterns;
        size_t *pattern_len; /* measured once: the matcher places every occurrence by it */
        bool *exact; /* found only as written (prefilter_set_exact()) */
        size_t n_patterns;
        uint64_t marked; /* bytes scanned so far: by prefilter_mark(), and those prefilter_count() was told
                            of */
        uint64_t accel_after; /* when to build the Hyperscan database */
        bool portable; /* VFIOEXPLAIN_SCAN=portable, or Hyperscan failed: the automaton only */
        const uint8_t *literal_db; /* prefilter_set_literal_db()'s, or NULL */
        size_t literal_db_size;
        bool image; /* the arrays above but patterns point into a prefilter_image_encode() blob */
#ifdef VX_HAVE_HYPERSCAN
        hs_database_t *hs;
        hs_scratch_t *hs_scratch;
        const HsLib *hs_lib; /* whose hs is */
        bool hs_prebuilt; /* hs came from literal_db */
#endif
};

/* ASCII letters to lower case, every other byte as it is: the automaton is built on folded literals (its
 * letters' transitions then listed under both cases), so that it finds each literal in any case in the same
 * single pass. */
static const uint8_t fold_table[256] = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
        0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
        0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
        0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
        0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
        0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
        0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
        0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
        0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
        0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
        0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

static inline uint8_t fold(uint8_t c) {
        return fold_table[c];
}

/* Kids from which a node's transitions are a row of 256. */
#define PREFILTER_DENSE_KIDS 4

static uint32_t child_linked(const Node *nodes, uint32_t n, uint8_t c) {
        for (uint32_t k = nodes[n].first_kid; k != 0; k = nodes[k].next_sibling)
                if (nodes[k].key == c)
                        return k;
        return 0;
}

static inline uint32_t child(const Prefilter *p, uint32_t n, uint8_t c) {
        const Node *node = &p->nodes[n];
        if (node->dense)
                return p->dense[(size_t) (node->dense - 1) * 256 + c];
        for (uint32_t i = node->kid_start; i < node->kid_start + node->n_kids; i++)
                if (p->kid_key[i] == c)
                        return p->kid_node[i];
        return 0;
}

static int lay_out_kids(Prefilter *p) {
        uint32_t at = 0;
        /* The trie holds folded literals; a letter's kid is listed under both its cases, so that the scan
         * takes each byte as it is. */
        p->kid_key = malloc(2 * (size_t) p->n_nodes);
        p->kid_node = malloc(2 * (size_t) p->n_nodes * sizeof(uint32_t));
        if (!p->kid_key || !p->kid_node)
                return -ENOMEM;
        for (uint32_t n = 0; n < p->n_nodes; n++) {
                p->nodes[n].kid_start = at;
                for (uint32_t k = p->nodes[n].first_kid; k != 0; k = p->nodes[k].next_sibling) {
                        uint8_t key = p->nodes[k].key;
                        p->kid_key[at] = key;
                        p->kid_node[at++] = k;
                        if (key >= 'a' && key <= 'z') {
                                p->kid_key[at] = (uint8_t) (key - 'a' + 'A');
                                p->kid_node[at++] = k;
                        }
                }
                p->nodes[n].n_kids = at - p->nodes[n].kid_start;
        }
        /* A node with many kids (the first letters of literals in either case) gets a row of 256
         * transitions: a search through them was most of the automaton's time. */
        uint32_t rows = 0;
        for (uint32_t n = 1; n < p->n_nodes; n++)
                rows += p->nodes[n].n_kids >= PREFILTER_DENSE_KIDS;
        if (rows == 0)
                return 0;
        p->dense = calloc((size_t) rows * 256, sizeof(uint32_t));
        if (!p->dense)
                return -ENOMEM;
        rows = 0;
        for (uint32_t n = 1; n < p->n_nodes; n++) {
                Node *node = &p->nodes[n];
                if (node->n_kids < PREFILTER_DENSE_KIDS)
                        continue;
                uint32_t *row = p->dense + (size_t) rows * 256;
                for (uint32_t i = node->kid_start; i < node->kid_start + node->n_kids; i++)
                        row[p->kid_key[i]] = p->kid_node[i];
                node->dense = ++rows;
        }
        return 0;
}

static int add_node(Prefilter *p, uint32_t *ret) {
        if (p->n_nodes == p->cap_nodes) {
                uint32_t cap = p->cap_nodes ? p->cap_nodes * 2 : 64;
                Node *n = realloc(p->nodes, cap * sizeof(*n));
                if (!n)
                        return -ENOMEM;
                p->nodes = n;
                p->cap_nodes = cap;
        }
        p->nodes[p->n_nodes] = (Node){0};
        *ret = p->n_nodes++;
        return 0;
}

static int add_kid(Prefilter *p, uint32_t parent, uint8_t c, uint32_t *ret) {
        uint32_t id;
        int r = add_node(p, &id);
        if (r < 0)
                return r;
        p->nodes[id].key = c;
        p->nodes[id].next_sibling = p->nodes[parent].first_kid;
        p->nodes[parent].first_kid = id;
        *ret = id;
        return 0;
}

Prefilter *prefilter_free(Prefilter *p) {
        if (!p)
                return NULL;
        if (!p->image) {
                free(p->nodes);
                free(p->kid_key);
                free(p->kid_node);
                free(p->dense);
                free(p->ids);
                for (size_t i = 0; i < p->n_patterns; i++)
                        free(p->patterns[i]);
                free(p->pattern_len);
                free(p->exact);
        }
        free(p->patterns);
#ifdef VX_HAVE_HYPERSCAN
        if (p->hs) {
                p->hs_lib->free_scratch(p->hs_scratch);
                p->hs_lib->free_database(p->hs);
        }
#endif
        free(p);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Prefilter *, prefilter_free);

int prefilter_new(const char *const *patterns, size_t n, Prefilter **ret) {
        _cleanup_(prefilter_freep) Prefilter *p = calloc(1, sizeof(*p));
        _cleanup_free_ uint32_t *end = calloc(n ? n : 1, sizeof(uint32_t));
        _cleanup_free_ uint32_t *queue = NULL;
        uint32_t root;
        int r;

        if (!p || !end)
                return -ENOMEM;
        if ((r = add_node(p, &root)) < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(patterns[i]);
                uint32_t cur = root;
                if (len == 0)
                        return -EINVAL;
                for (size_t j = 0; j < len; j++) {
                        uint8_t c = fold((uint8_t) patterns[i][j]);
                        uint32_t next = child_linked(p->nodes, cur, c);
                        if (next == 0 && (r = add_kid(p, cur, c, &next)) < 0)
                                return r;
                        cur = next;
                }
                end[i] = cur;
                p->nodes[cur].n_out++;
        }

        /* Outputs laid out contiguously per node. */
        p->ids = calloc(n ? n : 1, sizeof(uint32_t));
        if (!p->ids)
                return -ENOMEM;
        uint32_t pos = 0;
        for (uint32_t i = 0; i < p->n_nodes; i++) {
                p->nodes[i].out_start = pos;
                pos += p->nodes[i].n_out;
                p->nodes[i].n_out = 0;
        }
        for (size_t i = 0; i < n; i++) {
                Node *e = &p->nodes[end[i]];
                p->ids[e->out_start + e->n_out++] = (uint32_t) i;
        }

        if ((r = lay_out_kids(p)) < 0)
                return r;

        /* Failure and dictionary links, breadth first. */
        queue = malloc(p->n_nodes * sizeof(uint32_t));
        if (!queue)
                return -ENOMEM;
        uint32_t head = 0, tail = 0;
        for (uint32_t k = p->nodes[root].first_kid; k != 0; k = p->nodes[k].next_sibling) {
                p->nodes[k].fail = root;
                queue[tail++] = k;
        }
        while (head < tail) {
                uint32_t u = queue[head++];
                for (uint32_t v = p->nodes[u].first_kid; v != 0; v = p->nodes[v].next_sibling) {
                        uint8_t c = p->nodes[v].key;
                        uint32_t f = p->nodes[u].fail;
                        uint32_t t;
                        while ((t = child(p, f, c)) == 0 && f != root)
                                f = p->nodes[f].fail;
                        p->nodes[v].fail = t != 0 && t != v ? t : root;
                        uint32_t fv = p->nodes[v].fail;
                        p->nodes[v].dict = p->nodes[fv].n_out > 0 ? fv : p->nodes[fv].dict;
                        queue[tail++] = v;
                }
        }
        for (unsigned c = 0; c < 256; c++)
                p->root_next[c] = child(p, root, (uint8_t) c);

        p->patterns = calloc(n ? n : 1, sizeof(char *));
        p->pattern_len = calloc(n ? n : 1, sizeof(size_t));
        p->exact = calloc(n ? n : 1, sizeof(bool));
        if (!p->patterns || !p->pattern_len || !p->exact)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (!(p->patterns[i] = strdup(patterns[i])))
                        return -ENOMEM;
                p->pattern_len[i] = strlen(patterns[i]);
                p->n_patterns++;
        }
        /* For the tests, which replay every case through each engine. */
        const char *e = getenv("VFIOEXPLAIN_SCAN");
        p->portable = e && strcmp(e, "portable") == 0;
        p->accel_after = e && strcmp(e, "hyperscan") == 0 ? 0 : VX_SCAN_ACCEL_AFTER;

        *ret = TAKE_PTR(p);
        return 0;
}

/* The image: "VXAC0001", then u64 words: sizeof(Node), n_nodes, n_patterns, rows of dense transitions,
 * the total length of the patterns; then root_next, the nodes, kid_key, kid_node, dense, ids, pattern_len,
 * exact and the patterns, each NUL-terminated, every array starting at a multiple of 8. The arrays are this
 * build's own structures: an image is read only by the binary it was built for. */
#define IMAGE_MAGIC "VXAC0001"
#define IMAGE_ALIGN(x) (((x) + 7) & ~(size_t) 7)

typedef struct ImageLayout {
        size_t root_next, nodes, kid_key, kid_node, dense, ids, pattern_len, exact, patterns, size;
} ImageLayout;

static ImageLayout image_layout(uint64_t n_nodes, uint64_t n_patterns, uint64_t rows, uint64_t text) {
        ImageLayout l;
        l.root_next = 8 + 5 * 8;
        l.nodes = IMAGE_ALIGN(l.root_next + 256 * sizeof(uint32_t));
        l.kid_key = IMAGE_ALIGN(l.nodes + n_nodes * sizeof(Node));
        l.kid_node = IMAGE_ALIGN(l.kid_key + 2 * n_nodes);
        l.dense = IMAGE_ALIGN(l.kid_node + 2 * n_nodes * sizeof(uint32_t));
        l.ids = IMAGE_ALIGN(l.dense + rows * 256 * sizeof(uint32_t));
        l.pattern_len = IMAGE_ALIGN(l.ids + n_patterns * sizeof(uint32_t));
        l.exact = IMAGE_ALIGN(l.pattern_len + n_patterns * sizeof(size_t));
        l.patterns = IMAGE_ALIGN(l.exact + n_patterns * sizeof(bool));
        l.size = l.patterns + text;
        return l;
}

int prefilter_image_encode(const Prefilter *p, uint8_t **ret, size_t *ret_size) {
        uint64_t rows = 0, text = 0;
        for (uint32_t n = 0; n < p->n_nodes; n++)
                rows = MAX(rows, (uint64_t) p->nodes[n].dense);
        for (size_t i = 0; i < p->n_patterns; i++)
                text += p->pattern_len[i] + 1;
        ImageLayout l = image_layout(p->n_nodes, p->n_patterns, rows, text);
        uint8_t *b = calloc(1, l.size);
        if (!b)
                return -ENOMEM;
        uint64_t head[5] = {sizeof(Node), p->n_nodes, p->n_patterns, rows, text};
        memcpy(b, IMAGE_MAGIC, 8);
        memcpy(b + 8, head, sizeof(head));
        memcpy(b + l.root_next, p->root_next, sizeof(p->root_next));
        memcpy(b + l.nodes, p->nodes, p->n_nodes * sizeof(Node));
        /* the kids' arrays have room for two per node, of which lay_out_kids() filled the first ones */
        uint32_t kids = 0;
        for (uint32_t n = 0; n < p->n_nodes; n++)
                kids = MAX(kids, p->nodes[n].kid_start + p->nodes[n].n_kids);
        memcpy(b + l.kid_key, p->kid_key, kids);
        memcpy(b + l.kid_node, p->kid_node, kids * sizeof(uint32_t));
        if (rows > 0)
                memcpy(b + l.dense, p->dense, rows * 256 * sizeof(uint32_t));
        memcpy(b + l.ids, p->ids, p->n_patterns * sizeof(uint32_t));
        memcpy(b + l.pattern_len, p->pattern_len, p->n_patterns * sizeof(size_t));
        memcpy(b + l.exact, p->exact, p->n_patterns * sizeof(bool));
        size_t at = l.patterns;
        for (size_t i = 0; i < p->n_patterns; i++) {
                memcpy(b + at, p->patterns[i], p->pattern_len[i] + 1);
                at += p->pattern_len[i] + 1;
        }
        *ret = b;
        *ret_size = l.size;
        return 0;
}

int prefilter_image_load(const uint8_t *image, size_t size, Prefilter **ret) {
        uint64_t head[5];
        if (size < 8 + sizeof(head) || memcmp(image, IMAGE_MAGIC, 8) != 0)
                return -EBADMSG;
        memcpy(head, image + 8, sizeof(head));
        if (head[0] != sizeof(Node) || head[1] == 0 || head[1] > UINT32_MAX || head[2] > UINT32_MAX ||
            head[3] > head[1] || head[4] > size)
                return -EBADMSG;
        ImageLayout l = image_layout(head[1], head[2], head[3], head[4]);
        if (l.size != size)
                return -EBADMSG;

        _cleanup_(prefilter_freep) Prefilter *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->image = true;
        p->n_nodes = p->cap_nodes = (uint32_t) head[1];
        memcpy(p->root_next, image + l.root_next, sizeof(p->root_next));
        /* never written once built: the casts only say where they are */
        p->nodes = (Node *) (image + l.nodes);
        p->kid_key = (uint8_t *) (image + l.kid_key);
        p->kid_node = (uint32_t *) (image + l.kid_node);
        p->dense = head[3] > 0 ? (uint32_t *) (image + l.dense) : NULL;
        p->ids = (uint32_t *) (image + l.ids);
        p->pattern_len = (size_t *) (image + l.pattern_len);
        p->exact = (bool *) (image + l.exact);
        if (!(p->patterns = calloc(head[2] ? head[2] : 1, sizeof(char *))))
                return -ENOMEM;
        size_t at = l.patterns;
        for (size_t i = 0; i < head[2]; i++) {
                if (at >= size || p->pattern_len[i] >= size - at || image[at + p->pattern_len[i]] != 0)
                        return -EBADMSG;
                p->patterns[i] = (char *) (image + at);
                at += p->pattern_len[i] + 1;
        }
        p->n_patterns = head[2];
        const char *e = getenv("VFIOEXPLAIN_SCAN");
        p->portable = e && strcmp(e, "portable") == 0;
        p->accel_after = e && strcmp(e, "hyperscan") == 0 ? 0 : VX_SCAN_ACCEL_AFTER;
        *ret = TAKE_PTR(p);
        return 0;
}

static inline bool is_letter(unsigned char c) {
        return (unsigned char) ((c | 0x20) - 'a') < 26;
}

static inline bool is_upper(unsigned char c) {
        return (unsigned char) (c - 'A') < 26;
}

static inline bool is_lower(unsigned char c) {
        return (unsigned char) (c - 'a') < 26;
}

static bool has_small_letter(const char *lit) {
        for (; *lit; lit++)
                if (is_lower((unsigned char) *lit))
                        return true;
        return false;
}

/* Whether a[0..n) and b[0..n) are the same bytes: a word at a time (the last word overlapping the one before
 * it), as most occurrences are as written. */
static inline bool same_bytes(const char *a, const char *b, size_t n) {
        uint64_t x, y;
        if (n < 8) {
                for (size_t i = 0; i < n; i++)
                        if (a[i] != b[i])
                                return false;
                return true;
        }
        for (size_t i = 0; i + 8 < n; i += 8) {
                memcpy(&x, a + i, 8);
                memcpy(&y, b + i, 8);
                if (x != y)
                        return false;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
}

/* An occurrence in other letters than the literal's (literal_case_ok() without its first test); each test
 * stops at the first letter that fails it. */
static bool other_case_ok(const char *line, const char *at, const char *lit, size_t n) {
        const unsigned char *u = (const unsigned char *) at, *l = (const unsigned char *) lit;
        bool before = at > line && is_letter(u[-1]);
        size_t i;

        /* A literal in capitals (an acronym: "ROM", "IOMMU") in small letters is another word ("from"): only
         * its words' capitals kept, the rest small ("Rom"), from a word's start. */
        if (!has_small_letter(lit)) {
                if (before && is_letter(u[0]))
                        return false;
                for (i = 0; i < n; i++)
                        if (u[i] != (i == 0 || !is_letter(l[i - 1]) ? l[i] : (l[i] | 0x20)))
                                return false;
                return true;
        }
        /* letters that differ only where a word starts */
        for (i = 0; i < n; i++)
                if (u[i] != l[i] && (i == 0 ? before : is_letter(u[i - 1])))
                        break;
        if (i == n)
                return true;
        /* capitals throughout, the word's letter before them too */
        for (i = 0; i < n && !is_lower(u[i]); i++)
                ;
        if (i == n)
                return !before || is_upper(u[-1]);
        /* small letters but where a word starts, from a word's start */
        if (before && is_letter(u[0]))
                return false;
        for (i = 1; i < n; i++)
                if (is_upper(u[i]) && is_letter(u[i - 1]))
                        return false;
        return true;
}

bool literal_case_ok(const char *line, const char *at, const char *lit, size_t n) {
        return same_bytes(at, lit, n) || other_case_ok(line, at, lit, n);
}

/* Whether pattern id occurs at at in a case it is found in. */
static inline bool case_ok(const Prefilter *p, const char *line, const char *at, size_t id) {
        size_t n = p->pattern_len[id];
        return same_bytes(at, p->patterns[id], n) ||
                (!p->exact[id] && other_case_ok(line, at, p->patterns[id], n));
}

size_t prefilter_n_patterns(const Prefilter *p) {
        return p->n_patterns;
}

void prefilter_set_exact(Prefilter *p, size_t id) {
        /* an image is read-only, and carries the flags it was built with */
        if (id < p->n_patterns && !p->image)
                p->exact[id] = true;
}

/* The automaton's state after byte c (either case of a letter): down the trie, or along failure links until
 * a node has it. */
static inline uint32_t step(const Prefilter *p, uint32_t state, uint8_t c) {
        for (;;) {
                if (state == 0)
                        return p->root_next[c];
                uint32_t next = child(p, state, c);
                if (next)
                        return next;
                state = p->nodes[state].fail;
        }
}

#ifdef VX_HAVE_HYPERSCAN
typedef struct HsHits {
        const Prefilter *p;
        const char *line, *text;
        prefilter_hit_fn hit;
        void *userdata;
} HsHits;

static int hs_on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                     void *userdata) {
        HsHits *h = userdata;
        size_t n = h->p->pattern_len[id];
        if (case_ok(h->p, h->line, h->text + to - n, id))
                h->hit(id, h->userdata);
        return 0;
}
#endif

void prefilter_scan(const Prefilter *p, const char *line, const char *text, size_t len, prefilter_hit_fn hit,
                    void *userdata) {
        uint32_t state = 0;
        const Node *nodes = p->nodes;

#ifdef VX_HAVE_HYPERSCAN
        /* Once built for a large input, the database also serves each candidate line: the automaton walks
         * a line a byte at a time, Hyperscan several at once. */
        if (p->hs && len <= UINT32_MAX) {
                HsHits h = {p, line, text, hit, userdata};
                if (p->hs_lib->scan(p->hs, text ? text : "", (unsigned) len, 0, p->hs_scratch, hs_on_hit,
                                    &h) == HS_SUCCESS)
                        return;
        }
#endif

        for (size_t i = 0; i < len; i++) {
                state = step(p, state, (uint8_t) text[i]);
                if (state == 0)
                        continue;
                for (uint32_t s = nodes[state].n_out ? state : nodes[state].dict; s != 0; s = nodes[s].dict)
                        for (uint32_t k = 0; k < nodes[s].n_out; k++) {
                                uint32_t id = p->ids[nodes[s].out_start + k];
                                size_t n = p->pattern_len[id];
                                if (case_ok(p, line, text + i + 1 - n, id))
                                        hit(id, userdata);
                        }
        }
}

void prefilter_hits_done(PrefilterHits *h) {
        free(h->hits);
        *h = (PrefilterHits){0};
}

size_t prefilter_pattern_len(const Prefilter *p, size_t id) {
        return id < p->n_patterns ? p->pattern_len[id] : 0;
}

/* Past VX_PREFILTER_HITS_MAX (or without memory for more), the occurrences are marked in the bitmap instead,
 * those listed so far included. */
static void hits_overflow(PrefilterHits *h) {
        memset(h->ends, 0, h->ends_words * sizeof(uint64_t));
        for (size_t i = 0; i < h->n; i++)
                h->ends[(h->hits[i].end - 1) / 64] |= UINT64_C(1) << ((h->hits[i].end - 1) % 64);
        h->n = 0;
        h->overflow = true;
}

/* An empty list for a buffer of len bytes, its memory kept. The offsets are 32-bit, as Hyperscan's are: a
 * buffer longer (never one of feed.c's blocks) goes to the bitmap from the start. */
static void hits_start(PrefilterHits *h, uint64_t *ends, size_t len) {
        *h = (PrefilterHits){.hits = h->hits, .cap = h->cap, .ends = ends, .ends_words = (len + 63) / 64};
        if (len > UINT32_MAX)
                hits_overflow(h);
}

static void hits_add(PrefilterHits *h, uint32_t pattern, size_t end) {
        if (!h->overflow && h->n == h->cap) {
                size_t cap = h->cap ? h->cap * 2 : 256;
                PrefilterHit *n = cap <= VX_PREFILTER_HITS_MAX ? realloc(h->hits, cap * sizeof(*n)) : NULL;
                if (n) {
                        h->hits = n;
                        h->cap = cap;
                } else
                        hits_overflow(h);
        }
        if (h->overflow)
                h->ends[(end - 1) / 64] |= UINT64_C(1) << ((end - 1) % 64);
        else
                h->hits[h->n++] = (PrefilterHit){pattern, (uint32_t) end};
}

static void mark_automaton(const Prefilter *p, const char *text, size_t len, PrefilterHits *hits) {
        uint32_t state = 0;
        const Node *nodes = p->nodes;

        for (size_t i = 0; i < len; i++) {
                state = step(p, state, (uint8_t) text[i]);
                if (state == 0 || !(nodes[state].n_out || nodes[state].dict))
                        continue;
                for (uint32_t s = nodes[state].n_out ? state : nodes[state].dict; s != 0; s = nodes[s].dict)
                        for (uint32_t k = 0; k < nodes[s].n_out; k++) {
                                uint32_t id = p->ids[nodes[s].out_start + k];
                                size_t n = p->pattern_len[id];
                                if (case_ok(p, text, text + i + 1 - n, id))
                                        hits_add(hits, id, i + 1);
                        }
        }
}

#ifdef VX_HAVE_HYPERSCAN
typedef struct HsMarks {
        const Prefilter *p;
        const char *text;
        PrefilterHits *hits;
} HsMarks;

static int hs_on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                       void *userdata) {
        HsMarks *m = userdata;
        size_t n = m->p->pattern_len[id];
        if (case_ok(m->p, m->text, m->text + to - n, id))
                hits_add(m->hits, id, (size_t) to);
        return 0;
}

/* A literal in capitals as literal_case_ok() takes it in other letters: its words' capitals kept, the rest
 * small ("SR-IOV": "Sr-Iov"). */
static void title_case(const char *lit, char *out) {
        for (size_t i = 0; lit[i]; i++)
                out[i] = i == 0 || !is_letter((unsigned char) lit[i - 1]) ? lit[i]
                                                                          : (char) fold((uint8_t) lit[i]);
        out[strlen(lit)] = '\0';
}

/* What Hyperscan is given to compile: each literal once, and a literal in capitals once more in its other
 * case. Caseless where literal_case_ok() takes other letters than the first of words; a literal in capitals
 * as written and in its other case only: found caselessly, "ROM" would be found in every "from", and
 * Hyperscan's reports of it cost more than the search. */
typedef struct HsLiterals {
        const char **exprs;
        unsigned *flags, *ids;
        size_t *lens;
        char *titles; /* the other cases' text */
        size_t n;
} HsLiterals;

static void hs_literals_done(HsLiterals *l) {
        free(l->exprs);
        free(l->flags);
        free(l->ids);
        free(l->lens);
        free(l->titles);
        *l = (HsLiterals){0};
}

static int hs_literals(const Prefilter *p, HsLiterals *ret) {
        _cleanup_(hs_literals_done) HsLiterals l = {0};
        size_t max = 2 * p->n_patterns, room = 0;

        l.flags = calloc(max ? max : 1, sizeof(unsigned));
        l.ids = calloc(max ? max : 1, sizeof(unsigned));
        l.exprs = calloc(max ? max : 1, sizeof(char *));
        l.lens = calloc(max ? max : 1, sizeof(size_t));
        for (size_t i = 0; i < p->n_patterns; i++)
                room += p->pattern_len[i] + 1;
        l.titles = malloc(room ? room : 1);
        if (!l.flags || !l.ids || !l.exprs || !l.lens || !l.titles)
                return -ENOMEM;
        char *title = l.titles;
        for (size_t i = 0; i < p->n_patterns; i++) {
                l.exprs[l.n] = p->patterns[i];
                l.lens[l.n] = p->pattern_len[i];
                l.ids[l.n] = (unsigned) i;
                l.flags[l.n++] = has_small_letter(p->patterns[i]) && !p->exact[i] ? HS_FLAG_CASELESS : 0;
                if (l.flags[l.n - 1] || p->exact[i])
                        continue;
                title_case(p->patterns[i], title);
                if (strcmp(title, p->patterns[i]) == 0)
                        continue;
                l.exprs[l.n] = title;
                l.lens[l.n] = p->pattern_len[i];
                l.ids[l.n] = (unsigned) i;
                l.flags[l.n++] = 0;
                title += p->pattern_len[i] + 1;
        }
        *ret = l;
        l = (HsLiterals){0};
        return 0;
}

/* The blob of prefilter_literal_db_encode(): "VXHS0001", a u32 count N, N times (u32 id, u32 flags, u32
 * length, the literal's bytes), zeros to a multiple of 8, a u64 length and that many bytes of
 * hs_serialize_database(). Little-endian. */
#define LITERAL_DB_MAGIC "VXHS0001"

/* The database bytes of blob when its literals are exactly l's (the same literals, flags and ids in the same
 * order: what the database was compiled from), else NULL. */
static const char *literal_db_find(const uint8_t *blob, size_t size, const HsLiterals *l, size_t *ret_size) {
        size_t at = 12;
        if (!blob || size < 12 || memcmp(blob, LITERAL_DB_MAGIC, 8) != 0 || get_le(blob + 8, 4) != l->n)
                return NULL;
        for (size_t i = 0; i < l->n; i++) {
                if (size - at < 12 || get_le(blob + at, 4) != l->ids[i] ||
                    get_le(blob + at + 4, 4) != l->flags[i] || get_le(blob + at + 8, 4) != l->lens[i] ||
                    size - at - 12 < l->lens[i] || memcmp(blob + at + 12, l->exprs[i], l->lens[i]) != 0)
                        return NULL;
                at += 12 + l->lens[i];
        }
        at = (at + 7) & ~(size_t) 7;
        if (at > size || size - at < 8 || size - at - 8 != get_le(blob + at, 8))
                return NULL;
        *ret_size = size - at - 8;
        return (const char *) blob + at + 8;
}

/* The database of the build time, when it was built from these very literals, for this very library (its
 * version and the processor's features are checked by hs_deserialize_database()). */
static int hs_take_prebuilt(Prefilter *p, const HsLiterals *l) {
        size_t size = 0;
        const char *bytes = literal_db_find(p->literal_db, p->literal_db_size, l, &size);
        if (!bytes)
                return -ESTALE;
        if (hs_lib_load(&hs_runtime, VX_SONAME_HS_RUNTIME) < 0)
                return -EOPNOTSUPP;
        if (hs_runtime.deserialize_database(bytes, size, &p->hs) != HS_SUCCESS) {
                p->hs = NULL;
                return -EPROTO;
        }
        p->hs_lib = &hs_runtime;
        p->hs_prebuilt = true;
        return 0;
}

static int literals_compile(const HsLiterals *l, const hs_platform_info_t *platform, hs_database_t **ret) {
        hs_compile_error_t *err = NULL;
        if (hs_compiler_load() < 0)
                return -EOPNOTSUPP;
        if (sym_hs_compile_lit_multi(l->exprs, l->flags, l->ids, l->lens, (unsigned) l->n, HS_MODE_BLOCK,
                                     platform, ret, &err) != HS_SUCCESS) {
                sym_hs_free_compile_error(err);
                *ret = NULL;
                return -EINVAL;
        }
        return 0;
}

static int hs_build(Prefilter *p) {
        _cleanup_(hs_literals_done) HsLiterals l = {0};
        int r = hs_literals(p, &l);

        if (r < 0)
                return r;
        /* Loaded only now, when the input has turned out large: a short log never pays for it. Without it,
         * the automaton goes on alone. The shipped rules' database is taken as built; any other set (a
         * drop-in, --rules DIR), or one this library or processor refuses, is compiled. */
        if (hs_take_prebuilt(p, &l) < 0) {
                if (hs_lib_load(&hs_full, VX_SONAME_HS) < 0)
                        return -EOPNOTSUPP;
                if ((r = literals_compile(&l, NULL, &p->hs)) < 0)
                        return r;
                p->hs_lib = &hs_full;
        }
        if (p->hs_lib->alloc_scratch(p->hs, &p->hs_scratch) != HS_SUCCESS) {
                p->hs_lib->free_database(p->hs);
                p->hs = NULL;
                return -ENOMEM;
        }
        return 0;
}
#endif

static int cmp_hit(const void *a, const void *b) {
        uint32_t x = ((const PrefilterHit *) a)->end, y = ((const PrefilterHit *) b)->end;
        return x < y ? -1 : x > y;
}

/* Hyperscan reports a literal database's matches by end offset; the order is checked, not assumed. */
static void hits_sort(PrefilterHits *h) {
        if (h->overflow)
                return;
        for (size_t i = 1; i < h->n; i++)
                if (h->hits[i - 1].end > h->hits[i].end) {
                        qsort(h->hits, h->n, sizeof(PrefilterHit), cmp_hit);
                        return;
                }
}

/* The database, once the input has turned out large enough for it. */
static void accelerate(Prefilter *p) {
#ifdef VX_HAVE_HYPERSCAN
        if (!p->hs && !p->portable && p->marked >= p->accel_after && p->n_patterns > 0 && hs_build(p) < 0)
                p->portable = true;
#endif
}

void prefilter_count(Prefilter *p, size_t len) {
        p->marked += len;
        accelerate(p);
}

void prefilter_mark(Prefilter *p, const char *text, size_t len, uint64_t *ends, PrefilterHits *hits) {
        hits_start(hits, ends, len);
        accelerate(p);
#ifdef VX_HAVE_HYPERSCAN
        HsMarks m = {p, text, hits};
        if (p->hs && len <= UINT32_MAX &&
            p->hs_lib->scan(p->hs, text, (unsigned) len, 0, p->hs_scratch, hs_on_match, &m) == HS_SUCCESS) {
                p->marked += len;
                hits_sort(hits);
                return;
        }
        /* A failed scan may have listed part of the buffer: the automaton lists it again from the start. */
        hits_start(hits, ends, len);
#endif
        p->marked += len;
        mark_automaton(p, text, len, hits);
}

const char *prefilter_engine(const Prefilter *p) {
#ifdef VX_HAVE_HYPERSCAN
        if (p->hs)
                return "hyperscan";
#endif
        return "aho-corasick";
}

bool prefilter_prebuilt(const Prefilter *p) {
#ifdef VX_HAVE_HYPERSCAN
        return p->hs && p->hs_prebuilt;
#else
        return false;
#endif
}

void prefilter_set_literal_db(Prefilter *p, const uint8_t *blob, size_t size) {
        p->literal_db = size > 0 ? blob : NULL;
        p->literal_db_size = size;
}

bool prefilter_literal_db_fits(const Prefilter *p) {
#ifdef VX_HAVE_HYPERSCAN
        _cleanup_(hs_literals_done) HsLiterals l = {0};
        size_t size;
        return hs_literals(p, &l) == 0 && literal_db_find(p->literal_db, p->literal_db_size, &l, &size);
#else
        return false;
#endif
}

int prefilter_literal_db_encode(const Prefilter *p, uint8_t **ret, size_t *ret_size) {
#ifdef VX_HAVE_HYPERSCAN
        /* For any processor Hyperscan runs on: a database compiled for this one's features (AVX2,
         * AVX-512) would be refused on a lesser one, and the run would compile its own. */
        const hs_platform_info_t generic = {.tune = HS_TUNE_FAMILY_GENERIC, .cpu_features = 0};
        _cleanup_(hs_literals_done) HsLiterals l = {0};
        hs_database_t *db = NULL;
        char *bytes = NULL;
        size_t n_bytes = 0, size = 12;
        int r;

        if ((r = hs_literals(p, &l)) < 0)
                return r;
        if (l.n > UINT32_MAX)
                return -EINVAL;
        if (hs_lib_load(&hs_full, VX_SONAME_HS) < 0)
                return -EOPNOTSUPP;
        if ((r = literals_compile(&l, &generic, &db)) < 0)
                return r;
        r = sym_hs_serialize_database(db, &bytes, &n_bytes);
        hs_full.free_database(db);
        if (r != HS_SUCCESS)
                return -ENOMEM;
        for (size_t i = 0; i < l.n; i++)
                size += 12 + l.lens[i];
        size = ((size + 7) & ~(size_t) 7) + 8 + n_bytes;
        uint8_t *out = calloc(1, size), *at = out;
        if (!out) {
                free(bytes);
                return -ENOMEM;
        }
        memcpy(at, LITERAL_DB_MAGIC, 8);
        put_le(at + 8, l.n, 4);
        at += 12;
        for (size_t i = 0; i < l.n; i++) {
                put_le(at, l.ids[i], 4);
                put_le(at + 4, l.flags[i], 4);
                put_le(at + 8, l.lens[i], 4);
                memcpy(at + 12, l.exprs[i], l.lens[i]);
                at += 12 + l.lens[i];
        }
        at = out + (((size_t) (at - out) + 7) & ~(size_t) 7);
        put_le(at, n_bytes, 8);
        memcpy(at + 8, bytes, n_bytes);
        free(bytes);
        *ret = out;
        *ret_size = size;
        return 0;
#else
        return -EOPNOTSUPP;
#endif
}
