/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vfioexplain/macro.h"
#include "vfioexplain/prefilter.h"

typedef struct Node {
        uint8_t *keys;
        uint32_t *kids;
        uint32_t n_kids, cap_kids;
        uint32_t fail;
        uint32_t dict; /* the nearest node on the fail chain with outputs, 0 if none */
        uint32_t out_start; /* outputs: ids[out_start .. out_start + n_out) */
        uint32_t n_out;
} Node;

struct Prefilter {
        Node *nodes;
        uint32_t n_nodes, cap_nodes;
        uint32_t root_next[256]; /* dense transitions of the root, where most bytes land */
        uint32_t *ids;
};

static uint32_t child(const Node *n, uint8_t c) {
        for (uint32_t i = 0; i < n->n_kids; i++)
                if (n->keys[i] == c)
                        return n->kids[i];
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
        Node *n = &p->nodes[parent];
        if (n->n_kids == n->cap_kids) {
                uint32_t cap = n->cap_kids ? n->cap_kids * 2 : 2;
                uint8_t *k = realloc(n->keys, cap);
                if (!k)
                        return -ENOMEM;
                n->keys = k;
                uint32_t *v = realloc(n->kids, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                n->kids = v;
                n->cap_kids = cap;
        }
        n->keys[n->n_kids] = c;
        n->kids[n->n_kids++] = id;
        *ret = id;
        return 0;
}

Prefilter *prefilter_free(Prefilter *p) {
        if (!p)
                return NULL;
        for (uint32_t i = 0; i < p->n_nodes; i++) {
                free(p->nodes[i].keys);
                free(p->nodes[i].kids);
        }
        free(p->nodes);
        free(p->ids);
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
                        uint8_t c = (uint8_t) patterns[i][j];
                        uint32_t next = child(&p->nodes[cur], c);
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

        /* Failure and dictionary links, breadth first. */
        queue = malloc(p->n_nodes * sizeof(uint32_t));
        if (!queue)
                return -ENOMEM;
        uint32_t head = 0, tail = 0;
        for (uint32_t i = 0; i < p->nodes[root].n_kids; i++) {
                uint32_t k = p->nodes[root].kids[i];
                p->nodes[k].fail = root;
                queue[tail++] = k;
        }
        while (head < tail) {
                uint32_t u = queue[head++];
                for (uint32_t i = 0; i < p->nodes[u].n_kids; i++) {
                        uint8_t c = p->nodes[u].keys[i];
                        uint32_t v = p->nodes[u].kids[i];
                        uint32_t f = p->nodes[u].fail;
                        uint32_t t;
                        while ((t = child(&p->nodes[f], c)) == 0 && f != root)
                                f = p->nodes[f].fail;
                        p->nodes[v].fail = t != 0 && t != v ? t : root;
                        uint32_t fv = p->nodes[v].fail;
                        p->nodes[v].dict = p->nodes[fv].n_out > 0 ? fv : p->nodes[fv].dict;
                        queue[tail++] = v;
                }
        }
        for (unsigned c = 0; c < 256; c++)
                p->root_next[c] = child(&p->nodes[root], (uint8_t) c);

        *ret = TAKE_PTR(p);
        return 0;
}

void prefilter_scan(const Prefilter *p, const char *text, size_t len, prefilter_hit_fn hit, void *userdata) {
        uint32_t state = 0;
        const Node *nodes = p->nodes;

        for (size_t i = 0; i < len; i++) {
                uint8_t c = (uint8_t) text[i];
                for (;;) {
                        if (state == 0) {
                                state = p->root_next[c];
                                break;
                        }
                        uint32_t next = child(&nodes[state], c);
                        if (next) {
                                state = next;
                                break;
                        }
                        state = nodes[state].fail;
                }
                if (state == 0)
                        continue;
                for (uint32_t s = nodes[state].n_out ? state : nodes[state].dict; s != 0; s = nodes[s].dict)
                        for (uint32_t k = 0; k < nodes[s].n_out; k++)
                                hit(p->ids[nodes[s].out_start + k], userdata);
        }
}
