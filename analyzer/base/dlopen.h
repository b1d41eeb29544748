/* SPDX-License-Identifier: MIT */
#pragma once

/* Libraries that serve one feature (the journal, trace events, domain XML, PCI names, Hyperscan) are
 * loaded when that feature is first used, not at exec: loading and relocating them all took more time
 * than explaining a 20-line log. The library's header still gives each function's type, so a call
 * through sym_NAME is checked by the compiler as a direct call would be.
 *
 *   DLSYM_PROTOTYPE(sd_journal_next);        in the one file that uses the library
 *   r = dlopen_many_sym(&handle, "libsystemd.so.0", &err, DLSYM_ARG(sd_journal_next), ..., NULL);
 */

#define DLSYM_PROTOTYPE(symbol) static __typeof__(symbol) *sym_##symbol
#define DLSYM_ARG(symbol) (void **) &sym_##symbol, #symbol

/* Opens soname once (*handle is kept for later calls) and resolves each (void **, name) pair, the list
 * ending in NULL. On failure nothing is resolved, *handle stays NULL, and *error (when given) points to
 * the loader's message (static storage, valid until the next call). -EOPNOTSUPP: the library or one of
 * its symbols is missing. */
int dlopen_many_sym(void **handle, const char *soname, const char **error, ...);
