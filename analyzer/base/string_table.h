/* SPDX-License-Identifier: MIT */
#pragma once

/* An enum's names, systemd's way (src/basic/string-table.h): a table NAME_table of strings indexed by the
 * enum's values, and the functions between the two defined from it once:
 *   const char *NAME_to_string(TYPE v): the name, NULL for a value past the table or without a name;
 *   int NAME_from_string(const char *s, size_t len): the value whose name is s[0..len), or -EINVAL. */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "vfioexplain/macro.h"

#define _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, scope)                                \
        scope const char *name##_to_string(type v) {                                            \
                return (size_t) v < ELEMENTSOF(name##_table) ? name##_table[(size_t) v] : NULL; \
        }

/* Only the values below max are looked up: the ones past it (an internal value) have a name to show but
 * are never read. */
#define _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING_BELOW(name, max, scope)                               \
        scope int name##_from_string(const char *s, size_t len) {                                     \
                for (size_t i_ = 0; i_ < (size_t) (max) && i_ < ELEMENTSOF(name##_table); i_++)       \
                        if (name##_table[i_] && len > 0 && name##_table[i_][0] == s[0] &&             \
                            strlen(name##_table[i_]) == len && memcmp(name##_table[i_], s, len) == 0) \
                                return (int) i_;                                                      \
                return -EINVAL;                                                                       \
        }

#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type) _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, )
#define DEFINE_PRIVATE_STRING_TABLE_LOOKUP_TO_STRING(name, type) \
        _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, static)
#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING_BELOW(name, max) \
        _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING_BELOW(name, max, )
#define DEFINE_PRIVATE_STRING_TABLE_LOOKUP_FROM_STRING(name) \
        _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING_BELOW(name, ELEMENTSOF(name##_table), static)
#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name) \
        _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING_BELOW(name, ELEMENTSOF(name##_table), )
#define DEFINE_STRING_TABLE_LOOKUP(name, type)           \
        DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type) \
        DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name)
